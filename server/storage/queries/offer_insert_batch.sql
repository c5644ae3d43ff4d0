-- offer_insert for many rows at once (group commit): one array per column,
-- the records as binary bytea[], the row's text[] columns as array literals.
INSERT INTO offer_revisions (
  offer_id, revision, record, submitted_by, idempotency_key,
  manager_id, customer_id, currency_code, total, margin_percent, outcome, status,
  rule_ids, approver_ids, policy_label, policy_hash, submitted_at, decided_at,
  valid_until, next_deadline, version)
SELECT r.offer_id, r.revision, r.record,
  r.submitted_by, NULLIF(r.idempotency_key, ''), r.manager_id, r.customer_id, r.currency_code,
  r.total::numeric, NULLIF(r.margin_percent, '')::numeric, r.outcome, r.status,
  r.rule_ids::text[], r.approver_ids::text[], r.policy_label, r.policy_hash,
  to_timestamp(r.submitted_at / 1e6), to_timestamp(NULLIF(r.decided_at, 0) / 1e6),
  to_timestamp(NULLIF(r.valid_until, 0) / 1e6), to_timestamp(NULLIF(r.next_deadline, 0) / 1e6),
  r.version
FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
            $13::text[], $14::text[], $15::text[], $16::text[], $17::bigint[], $18::bigint[],
            $19::bigint[], $20::bigint[], $21::bigint[])
  AS r(offer_id, revision, record, submitted_by, idempotency_key, manager_id,
       customer_id, currency_code, total, margin_percent, outcome, status, rule_ids,
       approver_ids, policy_label, policy_hash, submitted_at, decided_at, valid_until,
       next_deadline, version)
