-- offer_revisions.offer_bytes held the submitted Offer serialized a second
-- time, next to the record that contains it, for telling a repeated request
-- from a different one. That comparison is made on record.offer (the same
-- fields); nothing reads the column. Dropping it takes ~1 KB per revision
-- out of the row, of the WAL and of TOAST compression on every submission;
-- the record still holds the offer exactly as submitted. (A dropped column
-- costs no rewrite: PostgreSQL only marks it.)
ALTER TABLE offer_revisions DROP COLUMN offer_bytes;
