INSERT INTO offer_revisions (
  offer_id, revision, record, submitted_by, idempotency_key,
  manager_id, customer_id, currency_code, total, margin_percent, outcome, status,
  rule_ids, approver_ids, policy_label, policy_hash, submitted_at, decided_at,
  valid_until, next_deadline, version)
VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, $8, $9::numeric, NULLIF($10, '')::numeric,
  $11, $12, $13::text[], $14::text[], $15, $16, to_timestamp($17::bigint / 1e6),
  to_timestamp(NULLIF($18::bigint, 0) / 1e6), to_timestamp(NULLIF($19::bigint, 0) / 1e6),
  to_timestamp(NULLIF($20::bigint, 0) / 1e6), $21)
