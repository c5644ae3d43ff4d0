SELECT delegator_id, delegate_id, (extract(epoch FROM starts_at) * 1e6)::bigint,
       (extract(epoch FROM ends_at) * 1e6)::bigint
FROM delegations
WHERE delegator_id = $1 AND starts_at <= to_timestamp($2::bigint / 1e6)
  AND ends_at > to_timestamp($2::bigint / 1e6)
