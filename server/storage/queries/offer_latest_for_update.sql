-- The newest revision of an offer, locked until commit.
SELECT record FROM offer_revisions WHERE offer_id = $1 ORDER BY revision DESC LIMIT 1 FOR UPDATE
