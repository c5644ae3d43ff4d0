DELETE FROM inbox_items WHERE offer_id = $1 AND revision = $2
