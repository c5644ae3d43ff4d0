-- offer_update for many rows at once (group commit). Optimistic as there:
-- a row changes only from the version the batch read ($9).
UPDATE offer_revisions o SET
  record = u.record, status = u.status, approver_ids = u.approver_ids::text[],
  decided_at = to_timestamp(NULLIF(u.decided_at, 0) / 1e6),
  next_deadline = to_timestamp(NULLIF(u.next_deadline, 0) / 1e6),
  version = u.version
FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::text[], $5::text[], $6::bigint[],
            $7::bigint[], $8::bigint[], $9::bigint[])
  AS u(offer_id, revision, record, status, approver_ids, decided_at, next_deadline, version,
       read_version)
WHERE o.offer_id = u.offer_id AND o.revision = u.revision AND o.version = u.read_version
