SELECT count(*) FROM employees
