-- A talk page's title is a namespace prefix plus up to 255 bytes (MediaWiki's limit): longer
-- than the 255 characters `talk_page` held, and MariaDB refused the row. 512 characters hold
-- any prefix with any title. User names are at most 255 bytes, so `learner` and `mentor`
-- (255 characters of utf8mb4) already hold any of them.
ALTER TABLE matches
    MODIFY COLUMN talk_page varchar(512) NULL;
