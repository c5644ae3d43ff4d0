-- Statistics over the revisions submitted in [$1, $2) (timestamptz text), in
-- one statement: the period is read once into `period`, then aggregated per
-- dimension. One row per (dimension, key):
--   total     key ''       the whole period, with auto_approved and the rate
--   status    key status   count
--   outcome   key outcome  count
--   manager / rule / approver  key id: count, final APPROVED / REJECTED, waits
-- A group's `decisions` counts the revisions in it (a rule: those it matched;
-- an approver: those they acted on); approved / rejected count their current
-- status. Waits (time to decision) are only those of revisions that went to
-- sign-off and were decided by approvers: auto-decisions take no time and
-- would hide the waiting. Percentiles are continuous (interpolated), rounded
-- to whole seconds; NULL when there are no waits. The rate is numeric,
-- rounded to two decimals, as text.
WITH period AS MATERIALIZED (
  SELECT status, outcome, manager_id, rule_ids, approver_ids,
         CASE WHEN outcome = 'NEEDS_SIGNOFF' AND status IN ('APPROVED', 'REJECTED')
                   AND decided_at IS NOT NULL
              THEN extract(epoch FROM decided_at - submitted_at)::float8 END AS wait_seconds
  FROM offer_revisions
  WHERE submitted_at >= $1::timestamptz AND submitted_at < $2::timestamptz
)
SELECT 'total' AS dimension, '' AS key, count(*) AS decisions,
       count(*) FILTER (WHERE status = 'APPROVED') AS approved,
       count(*) FILTER (WHERE status = 'REJECTED') AS rejected,
       count(wait_seconds) AS waits,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p50,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p90,
       count(*) FILTER (WHERE outcome = 'APPROVED') AS auto_approved,
       CASE WHEN count(*) = 0 THEN '0.00'
            ELSE round(100.0 * count(*) FILTER (WHERE outcome = 'APPROVED') / count(*), 2)::text
       END AS auto_approval_rate
FROM period
UNION ALL
SELECT 'status', status, count(*), 0, 0, 0, NULL, NULL, 0, NULL FROM period GROUP BY status
UNION ALL
SELECT 'outcome', outcome, count(*), 0, 0, 0, NULL, NULL, 0, NULL FROM period GROUP BY outcome
UNION ALL
SELECT 'manager', manager_id, count(*),
       count(*) FILTER (WHERE status = 'APPROVED'), count(*) FILTER (WHERE status = 'REJECTED'),
       count(wait_seconds),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint,
       0, NULL
FROM period GROUP BY manager_id
UNION ALL
SELECT 'rule', rule_id, count(*),
       count(*) FILTER (WHERE status = 'APPROVED'), count(*) FILTER (WHERE status = 'REJECTED'),
       count(wait_seconds),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint,
       0, NULL
FROM period CROSS JOIN LATERAL unnest(rule_ids) AS rule_id GROUP BY rule_id
UNION ALL
SELECT 'approver', approver_id, count(*),
       count(*) FILTER (WHERE status = 'APPROVED'), count(*) FILTER (WHERE status = 'REJECTED'),
       count(wait_seconds),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint,
       0, NULL
FROM period CROSS JOIN LATERAL unnest(approver_ids) AS approver_id GROUP BY approver_id
ORDER BY 1, 2
