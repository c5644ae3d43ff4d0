SELECT record FROM offer_revisions WHERE submitted_by = $1 AND idempotency_key = $2
