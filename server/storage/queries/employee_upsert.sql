INSERT INTO employees (employee_id, record, supervisor_id, active, levels, updated_at)
VALUES ($1, $2, NULLIF($3, ''), $4, $5::text[], to_timestamp($6::bigint / 1e6))
ON CONFLICT (employee_id) DO UPDATE
SET record = EXCLUDED.record, supervisor_id = EXCLUDED.supervisor_id, active = EXCLUDED.active,
    levels = EXCLUDED.levels, updated_at = EXCLUDED.updated_at, version = employees.version + 1
