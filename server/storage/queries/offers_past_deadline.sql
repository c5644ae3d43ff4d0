-- Each replica claims different rows: locked rows are skipped, not waited for.
SELECT record FROM offer_revisions
WHERE status = 'PENDING' AND next_deadline <= to_timestamp($1::bigint / 1e6)
ORDER BY next_deadline LIMIT $2
FOR UPDATE SKIP LOCKED
