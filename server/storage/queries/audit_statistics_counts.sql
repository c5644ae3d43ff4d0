-- Counts per (dimension, key, status, outcome) of the revisions submitted in
-- a period, split by the caller into: whole months [$1, $2) from the monthly
-- rollup; whole days [$3, $4) and [$5, $6) from the daily rollup (dates,
-- possibly ±infinity, possibly empty ranges); and the partial days at the
-- edges, [$7, $8) and [$9, $10) (timestamptz text, possibly empty), read
-- from the revisions themselves.
SELECT dimension, key, status, outcome, sum(n)::bigint AS n
FROM (
  SELECT dimension, key, status, outcome, n
  FROM stats_monthly_counts
  WHERE month >= $1::date AND month < $2::date
  UNION ALL
  SELECT dimension, key, status, outcome, n
  FROM stats_daily_counts
  WHERE (day >= $3::date AND day < $4::date) OR (day >= $5::date AND day < $6::date)
  UNION ALL
  SELECT d.dimension, d.key, r.status, r.outcome, 1
  FROM offer_revisions AS r,
       LATERAL (SELECT 'manager'::text AS dimension, r.manager_id AS key
                UNION ALL SELECT 'rule', k FROM unnest(r.rule_ids) AS k
                UNION ALL SELECT 'approver', k FROM unnest(r.approver_ids) AS k) AS d
  WHERE (r.submitted_at >= $7::timestamptz AND r.submitted_at < $8::timestamptz)
     OR (r.submitted_at >= $9::timestamptz AND r.submitted_at < $10::timestamptz)
) AS counts
GROUP BY dimension, key, status, outcome
HAVING sum(n) <> 0
