-- Active employees holding any of the levels $1 (text[]), ordered by id.
SELECT record FROM employees WHERE active AND levels && $1::text[] ORDER BY employee_id
