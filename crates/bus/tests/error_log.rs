//! The error log's stream, against the real Redis on 127.0.0.1:6379: entries are signed and a
//! forged one is never read back, a dead letter is logged without its payload, the stream is
//! capped, and only one replica at a time has the turn to publish.

use std::time::Duration;

use matchbot_bus::{Bus, Consumer, Redelivery, Signing, Stream, Topic};
use matchbot_model::{ErrorKind, ErrorLogEntry, Timestamp};
use matchbot_secret::Secret;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

const KEY: &str = "the error-log tests' signing key, long enough";

async fn bus(test: &str) -> Bus {
    let prefix = format!("matchbot-bus-test:errors:{test}:{}:", std::process::id());
    let redelivery = Redelivery {
        claim_idle: Duration::from_secs(300),
        max_deliveries: 5,
    };
    let bus = Bus::connect(
        "redis://127.0.0.1:6379/",
        &prefix,
        Signing::new(Secret::new(KEY), []),
        redelivery,
        Duration::from_secs(3600),
    )
    .await
    .expect("Redis on 127.0.0.1:6379 (scripts/sandbox up starts it)");
    let mut conn = bus.connection();
    let keys: Vec<String> = conn
        .keys(format!("{}*", bus.namespace()))
        .await
        .expect("KEYS");
    if !keys.is_empty() {
        let () = conn.del(keys).await.expect("DEL");
    }
    bus
}

fn entry(message: &str) -> ErrorLogEntry {
    ErrorLogEntry::new(
        Timestamp::parse("2026-12-03T12:00:00Z").unwrap(),
        ErrorKind::Skipped,
        Some("User talk:Learner"),
        message,
    )
}

#[tokio::test]
async fn entries_come_back_newest_first_and_forged_ones_never() {
    let bus = bus("signed").await;
    bus.log_error(&entry("first")).await.expect("log");
    let mut conn = bus.connection();
    // Anyone can write to the shared Redis: unsigned, and signed with another key.
    let forged = serde_json::to_string(&entry("forged")).unwrap();
    let _: String = conn
        .xadd(bus.key("error-log"), "*", &[("payload", forged.as_str())])
        .await
        .expect("XADD");
    let _: String = conn
        .xadd(
            bus.key("error-log"),
            "*",
            &[("payload", forged.as_str()), ("sig", "v1:00ff")],
        )
        .await
        .expect("XADD");
    let mut commit = bus.commit_builder();
    commit.log_error(&entry("second")).expect("log");
    bus.commit(commit).await.expect("commit");

    let read = bus.newest_errors(10).await.expect("read");
    let messages: Vec<&str> = read.iter().map(|l| l.entry.message.as_str()).collect();
    assert_eq!(messages, ["second", "first"]);
    assert!(read[0].id > read[1].id);
}

#[tokio::test]
async fn the_stream_is_capped_by_length() {
    let bus = bus("capped").await;
    let mut commit = bus.commit_builder();
    for n in 0..3000 {
        commit.log_error(&entry(&n.to_string())).expect("log");
    }
    bus.commit(commit).await.expect("commit");
    let mut conn = bus.connection();
    let len: usize = conn.xlen(bus.key("error-log")).await.expect("XLEN");
    assert!((1000..1200).contains(&len), "{len} entries kept");
    let newest = bus.newest_errors(1).await.expect("read");
    assert_eq!(newest[0].entry.message, "2999");
}

#[derive(Debug, Serialize, Deserialize)]
struct Note {
    n: u32,
}

#[tokio::test]
async fn a_dead_letter_is_logged_with_its_stage_and_reason_but_not_its_payload() {
    let bus = bus("dead").await;
    let notes: Topic<Note> = Topic::new(Stream::Requests, "stage");
    let fields = [(
        "payload".to_owned(),
        r#"{"secretish": "payload text"}"#.to_owned(),
    )]
    .into_iter()
    .collect();
    bus.replay(Stream::Requests, &[fields]).await.expect("add");
    let mut reader = Consumer::join(&bus, notes, "a", Duration::from_millis(100))
        .await
        .expect("join");
    assert!(reader.read(10, false).await.expect("read").is_empty());

    let logged = bus.newest_errors(10).await.expect("read the log");
    assert_eq!(logged.len(), 1, "{logged:?}");
    let e = &logged[0].entry;
    assert_eq!(e.kind, ErrorKind::DeadLetter);
    assert_eq!(e.subject.as_deref(), Some("stage"));
    assert!(e.message.contains("requests"), "{}", e.message);
    assert!(e.message.contains("missing field `n`"), "{}", e.message);
    assert!(!e.message.contains("payload text"), "{}", e.message);
}

#[tokio::test]
async fn one_replica_at_a_time_has_the_turn_to_publish() {
    let bus = bus("turn").await;
    let interval = Duration::from_millis(300);
    assert!(bus.take_error_log_turn("a", interval).await.expect("take"));
    assert!(!bus.take_error_log_turn("b", interval).await.expect("take"));
    assert!(!bus.take_error_log_turn("a", interval).await.expect("take"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(bus.take_error_log_turn("b", interval).await.expect("take"));
}
