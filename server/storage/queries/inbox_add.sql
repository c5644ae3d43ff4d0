-- One row per approver of the open stage who has not acted yet.
INSERT INTO inbox_items (approver_id, offer_id, revision, stage_index, level, since, deadline)
SELECT approver, $2, $3, $4, $5, to_timestamp($6::bigint / 1e6),
       to_timestamp(NULLIF($7::bigint, 0) / 1e6)
FROM unnest($1::text[]) AS approver
