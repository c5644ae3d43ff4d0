-- Everything a group-commit batch of submissions reads, in one round trip:
-- each offer's newest revision ($1) and each (submitter, idempotency key)'s
-- earlier submission ($2, $3). A requested revision is the newest one, or
-- above it (so absent), or, rarely, older: that one is read on its own.
SELECT o.offer_id, o.revision, o.record
FROM unnest($1::text[]) AS q(offer_id)
CROSS JOIN LATERAL (SELECT offer_id, revision, record FROM offer_revisions
                    WHERE offer_id = q.offer_id ORDER BY revision DESC LIMIT 1) o
UNION ALL
SELECT o.offer_id, o.revision, o.record
FROM unnest($2::text[], $3::text[]) AS q(submitted_by, idempotency_key)
JOIN offer_revisions o ON o.submitted_by = q.submitted_by AND o.idempotency_key = q.idempotency_key
  -- spelled out so the partial unique index can serve the join
  AND o.idempotency_key IS NOT NULL
