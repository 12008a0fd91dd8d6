//! Programmes in one database, on the real MariaDB: each sees only its own rows (page ids are
//! each wiki's own), and the programmes of one process share one pool that stays open until
//! the last of them closes it.

use matchbot_config::DbConfig;
use matchbot_db::{Db, MatchRow, RequestKey};
use matchbot_model::{RequestId, Timestamp};
use matchbot_secret::Secret;
use mysql_async::prelude::Queryable;

fn config() -> DbConfig {
    DbConfig {
        host: "127.0.0.1".into(),
        port: 3306,
        name: format!("mbt_db_programmes_{}", std::process::id()),
        user: "root".into(),
        password: Secret::new(String::new()),
        connect_timeout: DbConfig::DEFAULT_CONNECT_TIMEOUT,
        query_timeout: DbConfig::DEFAULT_QUERY_TIMEOUT,
    }
}

#[tokio::test]
async fn each_programme_sees_its_own_rows_through_one_shared_pool() {
    let config = config();
    Db::create_database(&config)
        .await
        .expect("create the database");
    let setup = Db::connect(&config);
    let mut conn = setup.conn().await.expect("connect");
    conn.query_drop("DROP TABLE IF EXISTS matches, match_events, matchbot_schema")
        .await
        .expect("start empty");
    drop(conn);
    setup.migrate().await.expect("migrate");

    let first = Db::shared(&config).for_programme("first");
    let second = Db::shared(&config).for_programme("second");
    let added = Timestamp::parse("2026-12-01T10:00:00Z").unwrap();
    let category = "Category:Co-op/Requests/Writing";
    // Page 7 of the first wiki asked; page 7 of the second wiki is another page.
    let id = RequestId::in_programme("first", 7, category, added);
    let row = MatchRow {
        request_id: id.to_string(),
        luid: 10,
        lprofileid: 7,
        category: category.into(),
        muid: 3,
        matchtime: added.sql(),
        cataddtime: added.sql(),
        revid: Some(44),
        postid: None,
        matchmade: true,
        run_time: added.sql(),
        outcome: "posted".into(),
        outcome_reason: None,
        explanation: None,
        learner: "Ken".into(),
        mentor: "Ada".into(),
        skill: "writing".into(),
        fallback_level: "skill".into(),
        talk_page: "Wikipedia talk:Co-op/Ken".into(),
        trace_id: None,
    };
    assert_eq!(first.record(&[row]).await.expect("record"), 1);

    let key = |programme: &str| RequestKey {
        request_id: RequestId::in_programme(programme, 7, category, added),
        profile_id: 7,
        category: category.into(),
        category_added: added,
    };
    assert_eq!(first.handled(&[key("first")]).await.expect("read").len(), 1);
    assert!(
        second
            .handled(&[key("second")])
            .await
            .expect("read")
            .is_empty()
    );
    assert!(second.recorded(id.as_str()).await.expect("read").is_none());
    let rows = Db::connect(&config)
        .conn()
        .await
        .expect("connect")
        .query::<String, _>("SELECT programme FROM matches")
        .await
        .expect("select");
    assert_eq!(rows, ["first"]);

    // One programme done: the pool stays open for the other.
    first.close().await.expect("close");
    assert!(second.handled(&[key("second")]).await.is_ok());
    second.close().await.expect("close");
    let mut conn = setup.conn().await.expect("connect");
    conn.query_drop(format!("DROP DATABASE `{}`", config.name))
        .await
        .expect("drop the test database");
}
