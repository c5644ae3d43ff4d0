SELECT record FROM offer_revisions
WHERE status = 'PENDING' AND valid_until <= to_timestamp($1::bigint / 1e6)
ORDER BY valid_until LIMIT $2
FOR UPDATE SKIP LOCKED
