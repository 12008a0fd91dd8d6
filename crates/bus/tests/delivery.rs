//! The bus's delivery promises, against the real Redis on 127.0.0.1:6379 (each test under a
//! prefix of its own): poison entries and over-delivered entries are dead-lettered with their
//! reason and count, entries of a stopped consumer are taken over, replicas never share work.

use std::collections::BTreeSet;
use std::time::Duration;

use matchbot_bus::{Bus, Consumer, Redelivery, Signing, Stream, Topic};
use matchbot_secret::Secret;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Note {
    n: u32,
}

/// The notes these tests put on the requests stream, read by a group of their own.
const NOTES: Topic<Note> = Topic::new(Stream::Requests, "stage");

/// Settings as a deployment would have them, unless a test says otherwise.
const REDELIVERY: Redelivery = Redelivery {
    claim_idle: Duration::from_secs(300),
    max_deliveries: 5,
};

async fn bus(test: &str, redelivery: Redelivery) -> Bus {
    let prefix = format!("matchbot-bus-test:{test}:{}:", std::process::id());
    let keep_handled = Duration::from_secs(3600);
    let signing = Signing::new(Secret::new(KEY), []);
    let bus = Bus::connect(
        "redis://127.0.0.1:6379/",
        &prefix,
        signing,
        redelivery,
        keep_handled,
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

/// The key these tests' buses sign with.
const KEY: &str = "the delivery tests' signing key, long enough";

/// Adds an entry with `fields` as MatchBot would: its payload signed.
async fn add(bus: &Bus, fields: &[(&str, &str)]) -> String {
    let fields = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let mut ids = bus
        .replay(Stream::Requests, &[fields])
        .await
        .expect("add an entry");
    ids.remove(0)
}

async fn consumer(bus: &Bus, name: &str) -> Consumer<Note> {
    Consumer::join(bus, NOTES, name, Duration::from_millis(100))
        .await
        .expect("join the group")
}

/// The dead-letter stream's entries, as field maps.
async fn dead_letters(bus: &Bus) -> Vec<std::collections::HashMap<String, String>> {
    bus.export(Stream::DeadLetter)
        .await
        .expect("export dead letters")
        .into_iter()
        .map(|e| e.fields.into_iter().collect())
        .collect()
}

async fn pending(bus: &Bus) -> usize {
    let mut conn = bus.connection();
    let reply = conn
        .xpending(bus.key(Stream::Requests.name()), "stage")
        .await
        .expect("XPENDING");
    match reply {
        redis::streams::StreamPendingReply::Data(d) => d.count,
        _ => 0,
    }
}

#[tokio::test]
async fn poison_entries_go_to_the_dead_letter_stream_with_their_reason_and_the_good_one_is_read() {
    let bus = bus("poison", REDELIVERY).await;
    add(&bus, &[("payload", "{not json")]).await;
    let mut conn = bus.connection();
    let _: String = conn
        .xadd(
            bus.key(Stream::Requests.name()),
            "*",
            &[("something", "else")],
        )
        .await
        .expect("XADD");
    add(&bus, &[("payload", r#"{"m": 1}"#)]).await;
    let good = add(&bus, &[("payload", r#"{"n": 7}"#)]).await;

    let mut reader = consumer(&bus, "a").await;
    let batch = reader.read(10, false).await.expect("read");
    assert_eq!(batch.len(), 1, "only the good entry is handed out");
    assert_eq!(batch[0].id, good);
    assert_eq!(batch[0].payload, Note { n: 7 });

    let dead = dead_letters(&bus).await;
    assert_eq!(dead.len(), 3);
    for d in &dead {
        assert_eq!(d["stage"], "stage");
        assert_eq!(d["stream"], "requests");
        assert_eq!(d["deliveries"], "1");
    }
    assert!(dead[0]["reason"].starts_with("the payload is not a valid Note"));
    assert_eq!(dead[0]["payload"], "{not json");
    assert_eq!(dead[1]["reason"], "the entry has no \"payload\" field");
    assert!(
        dead[2]["reason"].contains("missing field `n`"),
        "{}",
        dead[2]["reason"]
    );
    assert_eq!(
        pending(&bus).await,
        1,
        "the dead letters are acked; the good one is not yet"
    );
}

#[tokio::test]
async fn an_entry_trimmed_away_before_it_was_handled_is_dead_lettered() {
    let bus = bus("trimmed", REDELIVERY).await;
    add(&bus, &[("payload", r#"{"n": 1}"#)]).await;
    let mut first = consumer(&bus, "a").await;
    let batch = first.read(10, false).await.expect("read");
    assert_eq!(batch.len(), 1);
    // The worker dies before acking, and the stream is trimmed past the entry meanwhile.
    let mut conn = bus.connection();
    let _: usize = conn
        .xtrim(
            bus.key(Stream::Requests.name()),
            redis::streams::StreamMaxlen::Equals(0),
        )
        .await
        .expect("XTRIM");
    let mut again = consumer(&bus, "a").await;
    let batch = again.read(10, false).await.expect("read");
    assert!(batch.is_empty());
    let dead = dead_letters(&bus).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0]["reason"],
        "the entry was trimmed from the stream before it was handled"
    );
    // Redis drops a trimmed entry from the pending list, with its delivery count, as soon as
    // XAUTOCLAIM comes across it: the count is recorded as 0, unknown.
    assert_eq!(dead[0]["deliveries"], "0");
    assert_eq!(pending(&bus).await, 0);
}

#[tokio::test]
async fn an_entry_that_keeps_killing_its_worker_is_dead_lettered_after_max_deliveries() {
    let redelivery = Redelivery {
        max_deliveries: 3,
        ..REDELIVERY
    };
    let bus = bus("max-deliveries", redelivery).await;
    let id = add(&bus, &[("payload", r#"{"n": 1}"#)]).await;
    // Each "start" of the worker reads the entry from its pending list and dies before acking.
    for start in 1..=3 {
        let mut worker = consumer(&bus, "a").await;
        let batch = worker.read(10, false).await.expect("read");
        assert_eq!(batch.len(), 1, "start {start} is handed the entry");
        assert_eq!(batch[0].id, id);
    }
    let mut fourth = consumer(&bus, "a").await;
    let batch = fourth.read(10, false).await.expect("read");
    assert!(batch.is_empty(), "the fourth delivery is not handed out");
    let dead = dead_letters(&bus).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["entry"], id);
    assert_eq!(dead[0]["deliveries"], "4");
    assert!(
        dead[0]["reason"].starts_with("handed out 4 times without being acked (the limit is 3)")
    );
    assert_eq!(dead[0]["payload"], r#"{"n": 1}"#);
    assert_eq!(pending(&bus).await, 0);
}

#[tokio::test]
async fn entries_of_a_stopped_consumer_are_taken_over_after_the_idle_time_and_not_before() {
    let redelivery = Redelivery {
        claim_idle: Duration::from_millis(400),
        ..REDELIVERY
    };
    let bus = bus("claim", redelivery).await;
    let id = add(&bus, &[("payload", r#"{"n": 1}"#)]).await;
    let mut stopped = consumer(&bus, "stopped").await;
    assert_eq!(stopped.read(10, false).await.expect("read").len(), 1);

    let mut live = consumer(&bus, "live").await;
    assert!(
        live.read(10, false).await.expect("read").is_empty(),
        "an entry idle for less than claim_idle is left to its consumer"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let batch = live.read(10, false).await.expect("read");
    assert_eq!(batch.len(), 1, "taken over once idle for claim_idle");
    assert_eq!(batch[0].id, id);
    assert!(
        stopped
            .still_mine(&[&id])
            .await
            .expect("still_mine")
            .is_empty(),
        "the first consumer, should it come back, no longer holds it"
    );
    assert_eq!(
        live.still_mine(&[&id]).await.expect("still_mine"),
        vec![id.clone()]
    );
}

#[tokio::test]
async fn replicas_of_a_stage_share_its_entries_without_handling_any_twice() {
    let bus = bus("replicas", REDELIVERY).await;
    let mut added = BTreeSet::new();
    for n in 0..200 {
        added.insert(add(&bus, &[("payload", &format!(r#"{{"n": {n}}}"#))]).await);
    }
    async fn drain(bus: &Bus, mut consumer: Consumer<Note>) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let batch = consumer.read(7, false).await.expect("read");
            if batch.is_empty() {
                return seen;
            }
            let mut commit = consumer.commit_builder();
            for entry in &batch {
                consumer.ack(&mut commit, &entry.id);
                seen.push(entry.id.clone());
            }
            bus.commit(commit).await.expect("ack the batch");
        }
    }
    let (a, b) = tokio::join!(
        drain(&bus, consumer(&bus, "replica-1").await),
        drain(&bus, consumer(&bus, "replica-2").await)
    );
    let a_set: BTreeSet<String> = a.iter().cloned().collect();
    let b_set: BTreeSet<String> = b.iter().cloned().collect();
    assert_eq!(a.len() + b.len(), 200, "each entry handled once");
    assert!(a_set.is_disjoint(&b_set), "no entry handled by both");
    let all: BTreeSet<String> = a_set.union(&b_set).cloned().collect();
    assert_eq!(all, added);
    assert!(!a.is_empty() && !b.is_empty(), "both replicas got work");
    assert_eq!(pending(&bus).await, 0);
}

#[tokio::test]
async fn a_batch_is_still_mine_in_stream_order_not_text_order() {
    let bus = bus("still-mine-order", REDELIVERY).await;
    let mut conn = bus.connection();
    for seq in 8..=11 {
        let _: String = conn
            .xadd(
                bus.key(Stream::Requests.name()),
                format!("5-{seq}"),
                &[
                    ("payload", r#"{"n": 1}"#),
                    ("sig", &bus.signature(Stream::Requests, r#"{"n": 1}"#)),
                ],
            )
            .await
            .expect("XADD with an id");
    }
    let mut reader = consumer(&bus, "a").await;
    let batch = reader.read(10, false).await.expect("read");
    let ids: Vec<&str> = batch.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["5-8", "5-9", "5-10", "5-11"]);
    assert_eq!(
        reader.still_mine(&ids).await.expect("still_mine"),
        ["5-8", "5-9", "5-10", "5-11"],
        "\"5-10\" sorts before \"5-9\" as text, yet all four are held"
    );
}

#[tokio::test]
async fn an_entry_in_work_is_not_taken_over_however_long_the_work_takes() {
    let redelivery = Redelivery {
        claim_idle: Duration::from_millis(400),
        ..REDELIVERY
    };
    let bus = bus("hold", redelivery).await;
    let id = add(&bus, &[("payload", r#"{"n": 1}"#)]).await;
    let mut busy = consumer(&bus, "busy").await;
    assert_eq!(busy.read(10, false).await.expect("read").len(), 1);
    let hold = busy.hold(&[&id]);

    // Five times claim_idle of work: the other replica looks all along and never gets it.
    let mut other = consumer(&bus, "other").await;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let batch = other.read(10, false).await.expect("read");
        assert!(batch.is_empty(), "taken over while in work: {batch:?}");
    }
    // Once the work is given up without an ack, the entry is taken over as before.
    drop(hold);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let batch = other.read(10, false).await.expect("read");
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].id, id);
}

#[tokio::test]
async fn entries_handed_back_are_taken_over_at_once() {
    let bus = bus("hand-back", REDELIVERY).await;
    let id = add(&bus, &[("payload", r#"{"n": 1}"#)]).await;
    let mut stopping = consumer(&bus, "stopping").await;
    assert_eq!(stopping.read(10, false).await.expect("read").len(), 1);
    assert_eq!(stopping.hand_back().await.expect("hand back"), 1);
    // With claim_idle at 300 s, only a handed-back entry is taken over by the next consumer.
    let mut next = consumer(&bus, "next").await;
    let batch = next.read(10, false).await.expect("read");
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].id, id);
    assert_eq!(stopping.hand_back().await.expect("hand back"), 0);
}

#[tokio::test]
async fn a_stream_deleted_under_its_consumer_is_made_again_and_read_on() {
    let bus = bus("nogroup", REDELIVERY).await;
    let mut reader = consumer(&bus, "a").await;
    add(&bus, &[("payload", r#"{"n": 1}"#)]).await;
    assert_eq!(reader.read(10, false).await.expect("read").len(), 1);
    let mut conn = bus.connection();
    let _: u64 = conn
        .del(bus.key(Stream::Requests.name()))
        .await
        .expect("DEL");
    assert!(
        reader
            .read(10, false)
            .await
            .expect("read after the loss")
            .is_empty()
    );
    let id = add(&bus, &[("payload", r#"{"n": 2}"#)]).await;
    let batch = reader.read(10, false).await.expect("read");
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].id, id);
}

#[tokio::test]
async fn an_entry_signed_for_another_stream_or_with_another_key_is_dead_lettered() {
    let bus = bus("signatures", REDELIVERY).await;
    let payload = r#"{"n": 1}"#;
    let mut conn = bus.connection();
    let key = bus.key(Stream::Requests.name());
    let for_outcomes = bus.signature(Stream::Outcomes, payload);
    let fields: [(&str, &str); 2] = [("payload", payload), ("sig", &for_outcomes)];
    let _: String = conn.xadd(&key, "*", &fields).await.expect("XADD");
    let stranger = Bus::connect(
        "redis://127.0.0.1:6379/",
        "a stranger's prefix",
        Signing::new(Secret::new("a stranger's key, also long enough"), []),
        REDELIVERY,
        Duration::from_secs(3600),
    )
    .await
    .expect("connect");
    let theirs = stranger.signature(Stream::Requests, payload);
    let fields: [(&str, &str); 2] = [("payload", payload), ("sig", &theirs)];
    let _: String = conn.xadd(&key, "*", &fields).await.expect("XADD");
    let _: String = conn
        .xadd(&key, "*", &[("payload", payload)])
        .await
        .expect("XADD");
    let good = add(&bus, &[("payload", payload)]).await;

    let mut reader = consumer(&bus, "a").await;
    let batch = reader.read(10, false).await.expect("read");
    assert_eq!(batch.len(), 1, "only the genuine entry is handed out");
    assert_eq!(batch[0].id, good);
    let dead = dead_letters(&bus).await;
    let reasons: Vec<&str> = dead.iter().map(|d| d["reason"].as_str()).collect();
    assert_eq!(reasons.len(), 3);
    assert!(reasons[0].contains("does not verify") && reasons[1].contains("does not verify"));
    assert!(reasons[2].contains("carries no signature"));
    assert!(
        dead.iter().all(|d| !d.contains_key("sig")),
        "a forgery's dead letter is not signed"
    );
}

#[tokio::test]
async fn an_entry_another_programme_signed_is_dead_lettered_though_the_key_is_shared() {
    // Two programmes of one deployment share the signing key; a stranger copies a genuine
    // entry of the first programme's stream into the second's.
    let second = bus("programmes", REDELIVERY).await.scoped("second");
    let first = bus("programmes-first", REDELIVERY).await.scoped("first");
    let payload = r#"{"n": 7}"#;
    let copied = first.signature(Stream::Requests, payload);
    let mut conn = second.connection();
    let fields: [(&str, &str); 2] = [("payload", payload), ("sig", &copied)];
    let key = second.key(Stream::Requests.name());
    let _: String = conn.xadd(&key, "*", &fields).await.expect("XADD");
    let own = add(&second, &[("payload", payload)]).await;

    let mut reader = consumer(&second, "a").await;
    let batch = reader.read(10, false).await.expect("read");
    assert_eq!(
        batch.len(),
        1,
        "only the second programme's own entry is handed out"
    );
    assert_eq!(batch[0].id, own);
    let dead = dead_letters(&second).await;
    assert_eq!(dead.len(), 1);
    assert!(dead[0]["reason"].contains("does not verify"), "{dead:?}");
}
