-- Many wikis from one deployment: each row names the programme (the wiki's mentorship
-- programme) it belongs to. Rows from before belong to the one programme a configuration of one
-- wiki has, `default`. Page and user ids are each wiki's own, so reads go by programme.
ALTER TABLE matches
    ADD COLUMN IF NOT EXISTS programme varchar(32) NOT NULL DEFAULT 'default';
ALTER TABLE match_events
    ADD COLUMN IF NOT EXISTS programme varchar(32) NOT NULL DEFAULT 'default';
CREATE INDEX IF NOT EXISTS matches_programme_profile ON matches (programme, lprofileid);
CREATE INDEX IF NOT EXISTS matches_programme_time ON matches (programme, matchtime);
CREATE INDEX IF NOT EXISTS match_events_programme_at ON match_events (programme, at);
