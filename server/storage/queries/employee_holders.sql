SELECT record FROM employees WHERE active AND levels @> ARRAY[$1::text] ORDER BY employee_id
