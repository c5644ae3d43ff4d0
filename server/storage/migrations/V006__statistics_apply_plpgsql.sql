-- stats_apply (V005) in PL/pgSQL instead of SQL, same statements. PostgreSQL
-- 15 plans the statements of a SQL function anew on every call, and the
-- rollup triggers call it once per statement that stores offers (each group
-- commit): two INSERT ... SELECT ... GROUP BY ... ON CONFLICT planned per
-- batch. PL/pgSQL keeps their plans for the session. Measured on a 32-row
-- batch insert: trigger 0.52-0.59 ms -> 0.24-0.53 ms; on one row 0.26 ->
-- 0.07 ms. The counts are the same.
CREATE OR REPLACE FUNCTION stats_apply(deltas stats_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_daily_counts AS s (day, dimension, key, status, outcome, n)
  SELECT (r.submitted_at AT TIME ZONE 'UTC')::date, d.dimension, d.key, r.status, r.outcome,
         sum(r.delta)
  FROM unnest(deltas) AS r,
       LATERAL (SELECT 'manager'::text AS dimension, r.manager_id AS key
                UNION ALL SELECT 'rule', k FROM unnest(r.rule_ids) AS k
                UNION ALL SELECT 'approver', k FROM unnest(r.approver_ids) AS k) AS d
  GROUP BY 1, 2, 3, 4, 5
  HAVING sum(r.delta) <> 0
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (day, dimension, key, status, outcome) DO UPDATE SET n = s.n + EXCLUDED.n;
  INSERT INTO stats_monthly_counts AS s (month, dimension, key, status, outcome, n)
  SELECT date_trunc('month', r.submitted_at AT TIME ZONE 'UTC')::date, d.dimension, d.key,
         r.status, r.outcome, sum(r.delta)
  FROM unnest(deltas) AS r,
       LATERAL (SELECT 'manager'::text AS dimension, r.manager_id AS key
                UNION ALL SELECT 'rule', k FROM unnest(r.rule_ids) AS k
                UNION ALL SELECT 'approver', k FROM unnest(r.approver_ids) AS k) AS d
  GROUP BY 1, 2, 3, 4, 5
  HAVING sum(r.delta) <> 0
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (month, dimension, key, status, outcome) DO UPDATE SET n = s.n + EXCLUDED.n;
END;
$$;
