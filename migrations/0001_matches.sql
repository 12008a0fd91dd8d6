-- The original MatchBot's table, column for column (the README's "Records and reports" lists
-- them), so old and new rows compare. IF NOT EXISTS: an existing original table is adopted as it
-- is, rows and all.
CREATE TABLE IF NOT EXISTS matches (
    id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY,
    luid int(11) NULL,           -- learner's user id (creator of the profile page)
    lprofileid int(11) NULL,     -- learner's profile page id
    category varchar(75) NULL,   -- the request category
    muid int(11) NULL,           -- mentor's user id (the maintainer's when matchmade = 0)
    matchtime datetime NULL,     -- when the greeting was saved (server time)
    cataddtime datetime NULL,    -- when the request category was added to the profile
    revid int(11) NULL,          -- revision of the greeting on a wikitext talk page
    postid varchar(50) NULL,     -- Flow post revision id, for a greeting on a Flow board
    matchmade tinyint(1) NULL,   -- 1: a mentor was found; 0: handed to the maintainer
    run_time datetime NULL       -- when the scan that found the request started
) DEFAULT CHARSET = utf8mb4;
