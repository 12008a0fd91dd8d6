-- Each decision explains itself (the levels looked at, who was passed over and why, the weights,
-- the seed and the draw); `matchbot explain REQUEST_ID` prints it. Old rows have none.
ALTER TABLE matches
    ADD COLUMN IF NOT EXISTS explanation JSON NULL;
