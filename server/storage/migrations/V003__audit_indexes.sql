-- Indexes for the audit decision query, which lists newest first with ties
-- in ascending (offer_id, revision): ORDER BY submitted_at DESC, offer_id,
-- revision. A btree read forwards or backwards gives all-ascending or
-- all-descending keys only, so the V002 indexes could serve this order only
-- through an extra sort step; these match it exactly, and a page of 100 reads
-- 100 index entries (plus the rows a non-indexed filter skips). They replace
-- the V002 ones, which nothing else reads, so writes maintain no more indexes
-- than before.
DROP INDEX offer_revisions_time_idx;
DROP INDEX offer_revisions_manager_idx;
DROP INDEX offer_revisions_customer_idx;
DROP INDEX offer_revisions_status_idx;
CREATE INDEX offer_revisions_newest_idx
  ON offer_revisions (submitted_at DESC, offer_id, revision);
CREATE INDEX offer_revisions_manager_newest_idx
  ON offer_revisions (manager_id, submitted_at DESC, offer_id, revision);
CREATE INDEX offer_revisions_customer_newest_idx
  ON offer_revisions (customer_id, submitted_at DESC, offer_id, revision);
CREATE INDEX offer_revisions_status_newest_idx
  ON offer_revisions (status, submitted_at DESC, offer_id, revision);
