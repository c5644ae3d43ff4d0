-- Statistics over the revisions submitted in [$1, $2) (timestamptz text), in
-- one statement (one snapshot). One row per (dimension, key):
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
-- Shape, for speed: the period is read once (an index-only scan of the
-- covering time index), counts are hashed per (manager, status, outcome) and
-- rolled up from there, and only the waits (a fifth of the rows) are sorted
-- for percentiles.
WITH period AS MATERIALIZED (
  SELECT status, outcome, manager_id, rule_ids, approver_ids,
         CASE WHEN outcome = 'NEEDS_SIGNOFF' AND status IN ('APPROVED', 'REJECTED')
                   AND decided_at IS NOT NULL
              THEN extract(epoch FROM decided_at - submitted_at)::float8 END AS wait_seconds
  FROM offer_revisions
  WHERE submitted_at >= $1::timestamptz AND submitted_at < $2::timestamptz
),
waits AS MATERIALIZED (
  SELECT manager_id, rule_ids, approver_ids, wait_seconds FROM period WHERE wait_seconds IS NOT NULL
),
counts AS MATERIALIZED (
  SELECT manager_id, status, outcome, count(*) AS n FROM period GROUP BY manager_id, status, outcome
),
rule_counts AS (
  SELECT rule_id AS key, count(*) AS n, count(*) FILTER (WHERE status = 'APPROVED') AS approved,
         count(*) FILTER (WHERE status = 'REJECTED') AS rejected
  FROM period CROSS JOIN LATERAL unnest(rule_ids) AS rule_id
  WHERE cardinality(rule_ids) > 0 GROUP BY rule_id
),
approver_counts AS (
  SELECT approver_id AS key, count(*) AS n, count(*) FILTER (WHERE status = 'APPROVED') AS approved,
         count(*) FILTER (WHERE status = 'REJECTED') AS rejected
  FROM period CROSS JOIN LATERAL unnest(approver_ids) AS approver_id
  WHERE cardinality(approver_ids) > 0 GROUP BY approver_id
),
manager_waits AS (
  SELECT manager_id AS key, count(*) AS waits,
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p50,
         round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p90
  FROM waits GROUP BY manager_id
),
rule_waits AS (
  SELECT rule_id AS key, count(*) AS waits,
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p50,
         round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p90
  FROM waits CROSS JOIN LATERAL unnest(rule_ids) AS rule_id GROUP BY rule_id
),
approver_waits AS (
  SELECT approver_id AS key, count(*) AS waits,
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p50,
         round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p90
  FROM waits CROSS JOIN LATERAL unnest(approver_ids) AS approver_id GROUP BY approver_id
)
SELECT 'total' AS dimension, '' AS key,
       (SELECT coalesce(sum(n), 0) FROM counts)::bigint AS decisions,
       (SELECT coalesce(sum(n) FILTER (WHERE status = 'APPROVED'), 0) FROM counts)::bigint AS approved,
       (SELECT coalesce(sum(n) FILTER (WHERE status = 'REJECTED'), 0) FROM counts)::bigint AS rejected,
       count(*) AS waits,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p50,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_seconds)::numeric)::bigint AS p90,
       (SELECT coalesce(sum(n) FILTER (WHERE outcome = 'APPROVED'), 0) FROM counts)::bigint AS auto_approved,
       (SELECT CASE WHEN coalesce(sum(n), 0) = 0 THEN '0.00'
                    ELSE round(100.0 * coalesce(sum(n) FILTER (WHERE outcome = 'APPROVED'), 0) / sum(n), 2)::text
               END FROM counts) AS auto_approval_rate
FROM waits
UNION ALL
SELECT 'status', status, sum(n)::bigint, 0, 0, 0, NULL, NULL, 0, NULL FROM counts GROUP BY status
UNION ALL
SELECT 'outcome', outcome, sum(n)::bigint, 0, 0, 0, NULL, NULL, 0, NULL FROM counts GROUP BY outcome
UNION ALL
SELECT 'manager', c.key, c.n, c.approved, c.rejected, coalesce(w.waits, 0), w.p50, w.p90, 0, NULL
FROM (SELECT manager_id AS key, sum(n)::bigint AS n,
             coalesce(sum(n) FILTER (WHERE status = 'APPROVED'), 0)::bigint AS approved,
             coalesce(sum(n) FILTER (WHERE status = 'REJECTED'), 0)::bigint AS rejected
      FROM counts GROUP BY manager_id) AS c
LEFT JOIN manager_waits AS w USING (key)
UNION ALL
SELECT 'rule', c.key, c.n, c.approved, c.rejected, coalesce(w.waits, 0), w.p50, w.p90, 0, NULL
FROM rule_counts AS c LEFT JOIN rule_waits AS w USING (key)
UNION ALL
SELECT 'approver', c.key, c.n, c.approved, c.rejected, coalesce(w.waits, 0), w.p50, w.p90, 0, NULL
FROM approver_counts AS c LEFT JOIN approver_waits AS w USING (key)
ORDER BY 1, 2
