SELECT record FROM employees WHERE employee_id = $1
