SELECT record FROM employees WHERE active OR $1 ORDER BY employee_id
