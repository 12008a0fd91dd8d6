-- One row per request, whatever is replayed or retried: the stable request id, unique.
-- Old rows keep NULL there (a unique key allows many NULLs). The outcome says what happened on
-- the wiki: posted, skipped (e.g. {{nobots}}) or failed (with the API's error code).
ALTER TABLE matches
    ADD COLUMN IF NOT EXISTS request_id varchar(64) NULL,
    ADD COLUMN IF NOT EXISTS outcome varchar(16) NULL,
    ADD COLUMN IF NOT EXISTS outcome_reason varchar(255) NULL;
CREATE UNIQUE INDEX IF NOT EXISTS matches_request_id ON matches (request_id);
