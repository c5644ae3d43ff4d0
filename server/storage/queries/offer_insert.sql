INSERT INTO offer_revisions (
  offer_id, revision, record, offer_bytes, submitted_by, idempotency_key,
  manager_id, customer_id, currency_code, total, margin_percent, outcome, status,
  rule_ids, approver_ids, policy_label, policy_hash, submitted_at, decided_at,
  valid_until, next_deadline, version)
VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, $8, $9, $10::numeric, NULLIF($11, '')::numeric,
  $12, $13, $14::text[], $15::text[], $16, $17, to_timestamp($18::bigint / 1e6),
  to_timestamp(NULLIF($19::bigint, 0) / 1e6), to_timestamp(NULLIF($20::bigint, 0) / 1e6),
  to_timestamp(NULLIF($21::bigint, 0) / 1e6), $22)
