DELETE FROM delegations WHERE delegator_id = $1
