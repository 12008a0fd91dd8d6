//! Migrations against the real MariaDB (127.0.0.1:3306, root): a fresh database, and the
//! original MatchBot's table with its rows — duplicates included, as the original wrote one row
//! per post with no key to stop a second — upgraded in place without losing or changing a row.

use matchbot_config::DbConfig;
use matchbot_db::{Db, DbError, MIGRATIONS, MatchRow, RequestKey};
use matchbot_model::{RequestId, Timestamp};
use matchbot_secret::Secret;
use mysql_async::prelude::Queryable;

/// A database of its own for one test, dropped first if a failed run left it.
async fn database(test: &str) -> Db {
    let config = DbConfig {
        host: "127.0.0.1".into(),
        port: 3306,
        name: format!("mbt_db_{test}_{}", std::process::id()),
        user: "root".into(),
        password: Secret::new(String::new()),
        connect_timeout: DbConfig::DEFAULT_CONNECT_TIMEOUT,
        query_timeout: DbConfig::DEFAULT_QUERY_TIMEOUT,
    };
    Db::create_database(&config)
        .await
        .expect("create the database");
    let db = Db::connect(&config);
    let mut conn = db.conn().await.expect("connect");
    conn.query_drop("DROP TABLE IF EXISTS matches, matchbot_schema")
        .await
        .expect("start empty");
    db
}

async fn drop_database(db: Db) {
    let mut conn = db.conn().await.expect("connect");
    let name: Option<String> = conn.query_first("SELECT DATABASE()").await.expect("name");
    if let Some(name) = name {
        conn.query_drop(format!("DROP DATABASE `{name}`"))
            .await
            .expect("drop the test database");
    }
    drop(conn);
    db.close().await.expect("close");
}

/// Every row, every column but those the migrations added, in id order, as text.
async fn original_columns(db: &Db) -> Vec<String> {
    let mut conn = db.conn().await.expect("connect");
    conn.query(
        "SELECT CONCAT_WS('|', id, IFNULL(luid, 'NULL'), IFNULL(lprofileid, 'NULL'),
                IFNULL(category, 'NULL'), IFNULL(muid, 'NULL'), IFNULL(matchtime, 'NULL'),
                IFNULL(cataddtime, 'NULL'), IFNULL(revid, 'NULL'), IFNULL(postid, 'NULL'),
                IFNULL(matchmade, 'NULL'), IFNULL(run_time, 'NULL'))
         FROM matches ORDER BY id",
    )
    .await
    .expect("read the rows")
}

#[tokio::test]
async fn a_fresh_database_gets_every_migration_once() {
    let db = database("fresh").await;
    assert_eq!(db.schema_version().await.expect("a version"), 0);
    assert!(matches!(
        db.require_current_schema().await,
        Err(DbError::WrongSchema { found: 0, .. })
    ));
    let applied = db.migrate().await.expect("migrate");
    assert_eq!(applied.len(), MIGRATIONS.len());
    db.require_current_schema().await.expect("current");
    assert!(db.migrate().await.expect("migrate again").is_empty());
    drop_database(db).await;
}

#[tokio::test]
async fn the_original_table_with_duplicate_rows_is_upgraded_without_losing_a_row() {
    let db = database("original").await;
    let mut conn = db.conn().await.expect("connect");
    // The table as the original's SQLAlchemy created it: eleven columns, no key but the id.
    conn.query_drop(
        "CREATE TABLE matches (
            id int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY,
            luid int(11), lprofileid int(11), category varchar(75), muid int(11),
            matchtime datetime, cataddtime datetime, revid int(11), postid varchar(50),
            matchmade tinyint(1), run_time datetime
        ) DEFAULT CHARSET = latin1",
    )
    .await
    .expect("create the original table");
    // A Flow row, a maintainer row, and one greeting recorded twice (two runs 5 minutes apart
    // both posted it: the original's defect 5 in docs/ARCHITECTURE.md), plus a row with no category-add time.
    conn.query_drop(
        "INSERT INTO matches (luid, lprofileid, category, muid, matchtime, cataddtime, revid,
                              postid, matchmade, run_time) VALUES
         (11, 101, 'Category:Co-op/Requests/Writing', 5, '2015-06-01 10:00:05',
          '2015-06-01 09:58:00', 6001, NULL, 1, '2015-06-01 10:00:00'),
         (12, 102, 'Category:Co-op/Requests/Communication', 4, '2015-06-02 10:00:05',
          '2015-06-02 09:50:00', NULL, 'sbbvj3wluumyhu9x', 0, '2015-06-02 10:00:00'),
         (13, 103, 'Category:Co-op/Requests/Writing', 6, '2015-06-03 10:00:05',
          '2015-06-03 09:59:00', 6003, NULL, 1, '2015-06-03 10:00:00'),
         (13, 103, 'Category:Co-op/Requests/Writing', 6, '2015-06-03 10:05:04',
          '2015-06-03 09:59:00', 6004, NULL, 1, '2015-06-03 10:05:00'),
         (14, 104, 'Category:Co-op/Requests/Other', 7, '2015-06-04 10:00:05',
          NULL, 6005, NULL, 1, '2015-06-04 10:00:00')",
    )
    .await
    .expect("the original's rows");
    drop(conn);
    let before = original_columns(&db).await;
    assert_eq!(before.len(), 5);

    let applied = db.migrate().await.expect("migrate the original table");
    assert_eq!(applied.len(), MIGRATIONS.len());
    db.require_current_schema().await.expect("current");
    assert_eq!(
        original_columns(&db).await,
        before,
        "every original row is there, unchanged"
    );

    // New rows go in beside them, and the original's rows count as handled. The category is
    // not Latin-1: the migration converted the original's latin1 table.
    let added = Timestamp::parse("2026-11-21T10:00:00Z").expect("a time");
    let category = "Category:Co-op/Requests/Écriture — 写作";
    let request_id = RequestId::new(105, category, added);
    let row = MatchRow {
        request_id: request_id.to_string(),
        luid: 15,
        lprofileid: 105,
        category: category.into(),
        muid: 5,
        matchtime: added.sql(),
        cataddtime: added.sql(),
        revid: Some(7001),
        postid: None,
        matchmade: true,
        run_time: added.sql(),
        outcome: "posted".into(),
        outcome_reason: None,
        explanation: Some("{\"seed\":1}".into()),
        learner: "Zoë".into(),
        mentor: "Ada".into(),
        skill: "écriture".into(),
        fallback_level: "skill".into(),
        talk_page: "Wikipedia talk:Co-op/Zoë".into(),
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736".into()),
    };
    assert_eq!(
        db.record(std::slice::from_ref(&row)).await.expect("record"),
        1
    );
    assert_eq!(
        db.record(std::slice::from_ref(&row))
            .await
            .expect("record again"),
        0,
        "a replay adds nothing"
    );
    let mut conn = db.conn().await.expect("connect");
    let stored: Option<(String, String, String, String, String, String, String)> = conn
        .exec_first(
            "SELECT category, learner, mentor, skill, fallback_level, talk_page, trace_id \
             FROM matches WHERE request_id = ?",
            (request_id.as_str(),),
        )
        .await
        .expect("read the new row");
    assert_eq!(
        stored,
        Some((
            row.category.clone(),
            row.learner.clone(),
            row.mentor.clone(),
            row.skill.clone(),
            row.fallback_level.clone(),
            row.talk_page.clone(),
            "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
        ))
    );
    drop(conn);
    assert_eq!(original_columns(&db).await.len(), 6);
    let old = RequestKey {
        request_id: RequestId::new(103, "Category:Co-op/Requests/Writing", added),
        profile_id: 103,
        category: "Category:Co-op/Requests/Writing".into(),
        category_added: Timestamp::parse("2015-06-03T09:59:00Z").expect("a time"),
    };
    let handled = db
        .handled(std::slice::from_ref(&old))
        .await
        .expect("handled");
    assert!(
        handled.contains(&old.request_id),
        "the original greeted profile 103"
    );
    drop_database(db).await;
}

#[tokio::test]
async fn a_schema_from_a_newer_matchbot_is_refused_with_both_versions() {
    let db = database("newer").await;
    db.migrate().await.expect("migrate");
    let mut conn = db.conn().await.expect("connect");
    conn.query_drop("INSERT INTO matchbot_schema (version, name) VALUES (99, '0099_future.sql')")
        .await
        .expect("a future migration");
    drop(conn);
    let error = db.require_current_schema().await.expect_err("refused");
    let needed = MIGRATIONS.last().expect("migrations").version;
    assert_eq!(
        error.to_string(),
        format!(
            "the matches schema is at version 99, newer than this MatchBot knows (version {needed}): run the MatchBot that migrated it, or a newer one"
        )
    );
    drop_database(db).await;
}
