SELECT record FROM offer_revisions WHERE offer_id = $1 AND revision = $2
