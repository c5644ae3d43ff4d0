-- Time to decision (microseconds) of the revisions submitted in [$1, $2)
-- that went to sign-off and were decided, with what percentiles are grouped
-- by. Served from the partial index offer_revisions_waits_idx.
SELECT (extract(epoch FROM decided_at - submitted_at) * 1000000)::bigint AS wait_micros,
       manager_id, rule_ids, approver_ids
FROM offer_revisions
WHERE outcome = 'NEEDS_SIGNOFF' AND status IN ('APPROVED', 'REJECTED') AND decided_at IS NOT NULL
  AND submitted_at >= $1::timestamptz AND submitted_at < $2::timestamptz
