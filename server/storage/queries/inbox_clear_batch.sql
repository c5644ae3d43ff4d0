DELETE FROM inbox_items i
USING unnest($1::text[], $2::bigint[]) AS d(offer_id, revision)
WHERE i.offer_id = d.offer_id AND i.revision = d.revision
