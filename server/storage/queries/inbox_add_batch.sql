-- inbox_add for many items at once (group commit): one row per array index.
INSERT INTO inbox_items (approver_id, offer_id, revision, stage_index, level, since, deadline)
SELECT a.approver_id, a.offer_id, a.revision, a.stage_index, a.level,
       to_timestamp(a.since / 1e6), to_timestamp(NULLIF(a.deadline, 0) / 1e6)
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::integer[], $5::text[], $6::bigint[],
            $7::bigint[])
  AS a(approver_id, offer_id, revision, stage_index, level, since, deadline)
