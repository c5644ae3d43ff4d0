-- One page of decisions, newest first, ties by (offer_id, revision).
-- Every filter is optional: '' matches everything. The caller runs it with
-- plan_cache_mode = force_custom_plan, so each execution is planned with the
-- actual values: the `'' = ''` branches fold to true, the others to a plain
-- equality, and the planner picks the index of the filters actually given.
-- Two steps: `page` finds the keys using only columns that the covering
-- indexes of V003 hold, so rows a filter rejects cost an index entry, not a
-- heap fetch of a whole record; only the page's own records are then read.
-- Keyset paging: $3..$5 is the last row of the previous page ('infinity',
-- '', 0 before the first page), so rows inserted meanwhile cannot shift the
-- pages still to come.
--   $1, $2   submitted_at in [$1, $2) (timestamptz text, may be ±infinity)
--   $3, $4, $5  keyset: submitted_at, offer_id, revision of the previous page's last row
--   $6 manager_id  $7 customer_id  $8 a rule id  $9 an approver id
--   $10 status  $11 outcome  $12 rows to return
WITH page AS (
  SELECT submitted_at, offer_id, revision
  FROM offer_revisions
  WHERE submitted_at >= $1::timestamptz AND submitted_at < $2::timestamptz
    AND submitted_at <= $3::timestamptz
    AND (submitted_at < $3::timestamptz OR (offer_id, revision) > ($4::text, $5::bigint))
    AND ($6::text = '' OR manager_id = $6::text)
    AND ($7::text = '' OR customer_id = $7::text)
    AND ($8::text = '' OR rule_ids @> ARRAY[$8::text])
    AND ($9::text = '' OR approver_ids @> ARRAY[$9::text])
    AND ($10::text = '' OR status = $10::text)
    AND ($11::text = '' OR outcome = $11::text)
  ORDER BY submitted_at DESC, offer_id, revision
  LIMIT $12::bigint
)
SELECT r.record, (extract(epoch FROM page.submitted_at) * 1000000)::bigint, page.offer_id, page.revision
FROM page JOIN offer_revisions AS r USING (offer_id, revision)
ORDER BY page.submitted_at DESC, page.offer_id, page.revision
