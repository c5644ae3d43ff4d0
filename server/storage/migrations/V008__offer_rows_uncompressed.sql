-- A revision's row (the record plus its columns) is ~2 KB, right at the size
-- where PostgreSQL tries to compress a row before storing it (about a quarter
-- of a page). That pglz pass was 13.5 % of the group-commit backend's CPU.
-- Rows up to a page are now stored as they are; larger ones are still
-- compressed and moved out of line. Measured with signoff-load --mode=submit
-- (4 x 16 in flight, fsync on): PostgreSQL CPU per submission 75.7-78.8 ->
-- 70.9-71.9 us; on-disk size per revision 3 005 -> 3 337 bytes with its
-- indexes (+11 %). Disk is the cheaper of the two for an audit store.
ALTER TABLE offer_revisions SET (toast_tuple_target = 8160);
