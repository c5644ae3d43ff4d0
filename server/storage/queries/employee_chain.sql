-- Supervisors of an employee, nearest first; depth-limited so a cycle in the
-- directory cannot loop.
WITH RECURSIVE chain (employee_id, depth) AS (
  SELECT supervisor_id, 1 FROM employees WHERE employee_id = $1 AND supervisor_id IS NOT NULL
  UNION ALL
  SELECT e.supervisor_id, c.depth + 1 FROM chain c JOIN employees e ON e.employee_id = c.employee_id
  WHERE e.supervisor_id IS NOT NULL AND c.depth < 32
)
SELECT e.record FROM chain c JOIN employees e ON e.employee_id = c.employee_id ORDER BY c.depth
