-- A match's life after its greeting, one row per step: the greeting itself, a contact seen, a
-- nudge, a reassignment (naming the new mentor, and the one before in from_*), a close. The
-- recorder writes them; `matches` keeps the original's one row per request, unchanged.
-- (request_id, step) is unique, so a step recorded twice is one row.
CREATE TABLE IF NOT EXISTS match_events (
    id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    request_id varchar(64) NOT NULL,
    step varchar(64) NOT NULL,
    event varchar(16) NOT NULL,
    at datetime NOT NULL,
    mentor_id bigint unsigned NOT NULL,
    mentor varchar(255) NOT NULL,
    level varchar(16) NOT NULL,
    from_id bigint unsigned NULL,
    from_name varchar(255) NULL,
    reason varchar(64) NULL,
    detail text NULL,
    outcome varchar(16) NOT NULL,
    revid bigint unsigned NULL,
    postid varchar(255) NULL,
    explanation longtext NULL,
    trace_id char(32) NULL,
    UNIQUE KEY match_events_step (request_id, step),
    KEY match_events_at (at)
) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
