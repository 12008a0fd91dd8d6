-- Outcomes gained `dry-run` (a trial run's row, holding the text that would have been posted),
-- and a reason can be that text, longer than 255 characters.
ALTER TABLE matches
    MODIFY COLUMN outcome_reason text NULL;
