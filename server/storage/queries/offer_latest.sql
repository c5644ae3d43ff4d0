-- The newest revision of an offer.
SELECT record FROM offer_revisions WHERE offer_id = $1 ORDER BY revision DESC LIMIT 1
