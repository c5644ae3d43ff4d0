INSERT INTO delegations (delegator_id, delegate_id, starts_at, ends_at)
VALUES ($1, $2, to_timestamp($3::bigint / 1e6), to_timestamp($4::bigint / 1e6))
ON CONFLICT (delegator_id) DO UPDATE
SET delegate_id = EXCLUDED.delegate_id, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at
