-- Optimistic: only the version the caller read may be replaced.
UPDATE offer_revisions SET
  record = $3, status = $4, approver_ids = $5::text[],
  decided_at = to_timestamp(NULLIF($6::bigint, 0) / 1e6),
  next_deadline = to_timestamp(NULLIF($7::bigint, 0) / 1e6),
  version = $8
WHERE offer_id = $1 AND revision = $2 AND version = $8 - 1
