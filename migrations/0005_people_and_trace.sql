-- An original table may be latin1 (the server default when SQLAlchemy created it): convert it, so
-- any category title stores. A title may be 255 bytes; the original's 75 cut longer ones.
ALTER TABLE matches
    CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
ALTER TABLE matches
    MODIFY COLUMN category varchar(255) NULL;
-- Who and what, by name, so a person can read a row without looking ids up: the learner, the
-- mentor (or the maintainer), the skill requested, the level that found the mentor (`skill`,
-- `general`, or `maintainer` when matchmade = 0), the talk page greeted and the trace that
-- followed the request through the workers. Old rows keep NULL there.
ALTER TABLE matches
    ADD COLUMN IF NOT EXISTS learner varchar(255) NULL,
    ADD COLUMN IF NOT EXISTS mentor varchar(255) NULL,
    ADD COLUMN IF NOT EXISTS skill varchar(255) NULL,
    ADD COLUMN IF NOT EXISTS fallback_level varchar(16) NULL,
    ADD COLUMN IF NOT EXISTS talk_page varchar(255) NULL,
    ADD COLUMN IF NOT EXISTS trace_id char(32) NULL;
-- `matchbot report` reads a period of rows by when they were handled.
CREATE INDEX IF NOT EXISTS matches_matchtime ON matches (matchtime);
