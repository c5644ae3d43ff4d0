-- The statistics rollups (V004) once per statement instead of once per row.
-- A group commit stores a whole batch of revisions with one INSERT; the
-- per-row trigger ran two upserts for every revision of it. Now each
-- statement sums its rows' changes first and upserts every touched rollup
-- row once. The counts are the same; stats_rebuild() is unchanged.

-- One revision's contribution to the counts: +1 as it is now, -1 as it was.
CREATE TYPE stats_delta AS (
  submitted_at timestamptz,
  manager_id   text,
  rule_ids     text[],
  approver_ids text[],
  status       text,
  outcome      text,
  delta        integer
);

-- Adds the deltas to the daily and monthly counts, each rollup row once,
-- in key order (concurrent writers lock rows in the same order).
CREATE FUNCTION stats_apply(deltas stats_delta[]) RETURNS void
LANGUAGE sql AS $$
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
$$;

CREATE FUNCTION offer_revisions_stats_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_apply(ARRAY(
    SELECT ROW(n.submitted_at, n.manager_id, n.rule_ids, n.approver_ids, n.status, n.outcome, 1)::stats_delta
    FROM new_rows AS n));
  RETURN NULL;
END;
$$;

-- Only rows whose counted columns changed move between counts.
CREATE FUNCTION offer_revisions_stats_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_apply(ARRAY(
    SELECT d FROM old_rows AS o JOIN new_rows AS n USING (offer_id, revision),
      LATERAL (VALUES
        (ROW(o.submitted_at, o.manager_id, o.rule_ids, o.approver_ids, o.status, o.outcome, -1)::stats_delta),
        (ROW(n.submitted_at, n.manager_id, n.rule_ids, n.approver_ids, n.status, n.outcome, 1)::stats_delta)) AS v(d)
    WHERE (o.status, o.outcome, o.manager_id, o.submitted_at, o.rule_ids, o.approver_ids)
          IS DISTINCT FROM
          (n.status, n.outcome, n.manager_id, n.submitted_at, n.rule_ids, n.approver_ids)));
  RETURN NULL;
END;
$$;

DROP TRIGGER offer_revisions_stats ON offer_revisions;
DROP FUNCTION offer_revisions_stats();
DROP FUNCTION stats_rollup(offer_revisions, integer);

CREATE TRIGGER offer_revisions_stats_inserted
  AFTER INSERT ON offer_revisions REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION offer_revisions_stats_inserted();
CREATE TRIGGER offer_revisions_stats_updated
  AFTER UPDATE ON offer_revisions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION offer_revisions_stats_updated();
