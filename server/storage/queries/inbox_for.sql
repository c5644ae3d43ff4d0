SELECT approver_id, offer_id, revision, stage_index, level,
       (extract(epoch FROM since) * 1e6)::bigint,
       COALESCE((extract(epoch FROM deadline) * 1e6)::bigint, 0)
FROM inbox_items WHERE approver_id = ANY($1::text[])
ORDER BY since, offer_id, revision, stage_index
LIMIT $2
