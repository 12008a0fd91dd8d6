//! A MariaDB that accepts connections but never answers (hung, or behind a black hole) is an
//! error within the configured time, one a worker waits out, not a worker that hangs.

use std::time::{Duration, Instant};

use matchbot_config::DbConfig;
use matchbot_db::{Db, DbError};
use matchbot_secret::Secret;
use tokio::net::TcpListener;

/// A listener that takes every connection and never says a word, as a hung server does.
async fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

fn config(port: u16) -> DbConfig {
    DbConfig {
        host: "127.0.0.1".into(),
        port,
        name: "matchbot".into(),
        user: "root".into(),
        password: Secret::new(String::new()),
        connect_timeout: Duration::from_millis(500),
        query_timeout: Duration::from_millis(500),
    }
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_transient_error_within_the_timeout() {
    let port = silent_server().await;
    let db = Db::connect(&config(port));
    let started = Instant::now();
    // Without a timeout this waits for the handshake for ever; the outer bound only keeps a
    // broken build from hanging the test suite.
    let result = tokio::time::timeout(Duration::from_secs(30), db.schema_version())
        .await
        .expect("the database call gave up by itself");
    let error = result.expect_err("a server that never answers is an error");
    assert!(matches!(error, DbError::Timeout { .. }), "{error}");
    assert!(error.is_transient(), "a hung server is waited out: {error}");
    assert_eq!(
        error.to_string(),
        "mysql: no answer to a connection within 0.5 s"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let created = tokio::time::timeout(Duration::from_secs(30), Db::create_database(&config(port)))
        .await
        .expect("creating the database gave up by itself");
    assert!(matches!(created, Err(DbError::Timeout { .. })));
}

#[tokio::test]
async fn a_statement_the_server_does_not_answer_in_time_is_a_transient_error() {
    use mysql_async::prelude::Queryable;
    let mut slow = config(3306);
    slow.name = "mysql".into();
    let db = Db::connect(&slow);
    let mut conn = db.conn().await.expect("connect to MariaDB");
    let started = Instant::now();
    let answered = tokio::time::timeout(
        Duration::from_secs(30),
        db.answer(conn.query_drop("SELECT SLEEP(20)")),
    )
    .await
    .expect("the statement gave up by itself");
    let error = answered.expect_err("a statement slower than the timeout is an error");
    assert_eq!(
        error.to_string(),
        "mysql: no answer to a statement within 0.5 s"
    );
    assert!(error.is_transient());
    assert!(started.elapsed() < Duration::from_secs(10));
}
