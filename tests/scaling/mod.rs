//! Several replicas of a stage, as `docker compose --scale` or `replicas:` on Toolforge run
//! them: one scanner scans while the others stand by, and matchers deciding at the same moment
//! keep every mentor's cap. Real binaries, the real Redis, the fake wiki.

mod notifiers;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use harness::Run;
use harness::fake_wiki::{Clock, FakeWiki};
use matchbot_bus::{BusError, SCANNER_LEASE};
use serde_json::{Value, json};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

/// Each request id on `stream`, with how many entries carry it.
async fn request_ids(run: &Run, stream: &str) -> BTreeMap<String, usize> {
    let mut ids = BTreeMap::new();
    for payload in run.export(stream).await {
        let payload: Value = serde_json::from_str(&payload).expect("a JSON payload");
        let id = payload["request_id"]
            .as_str()
            .or_else(|| payload["request"]["request_id"].as_str())
            .expect("a request id")
            .to_owned();
        *ids.entry(id).or_default() += 1;
    }
    ids
}

fn twice(ids: &BTreeMap<String, usize>) -> Vec<&String> {
    ids.iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect()
}

/// `matchbot status --json`.
async fn status(run: &Run) -> Value {
    let out = run.command("matchbot", &["status", "--json"]).await;
    serde_json::from_slice(&out.stdout).expect("status as JSON")
}

async fn lease_holder(run: &Run) -> Option<String> {
    status(run).await["scanner_lease"]["holder"]
        .as_str()
        .map(str::to_owned)
}

async fn a_scanning_co_op(name: &str) -> (FakeWiki, Run) {
    let (wiki, run) = Run::on_fake_wiki(name, Clock::Real, |c| {
        c["scanner"]["poll_seconds"] = json!(0.2);
    })
    .await;
    run.mentor_on(&wiki, "Ada", WRITING_MENTORS);
    (wiki, run)
}

async fn learners_ask(run: &Run, wiki: &FakeWiki, from: usize, to: usize) {
    for i in from..to {
        run.asks_on(wiki, &format!("Learner {i}"), WRITING);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    run.wait_until(
        &format!("{to} requests on the stream"),
        Duration::from_secs(30),
        || async { request_ids(run, "requests").await.len() >= to },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_scanners_hand_each_request_out_once_and_status_names_the_one_scanning() {
    let (wiki, run) = a_scanning_co_op("two-scanners").await;
    let a = run.spawn_replica("matchbot-scanner", "scanner-a", &["--since", &run.since]);
    let b = run.spawn_replica("matchbot-scanner", "scanner-b", &["--since", &run.since]);
    learners_ask(&run, &wiki, 0, 30).await;
    // Polls after the last request: a second hand-out of any would show by now.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let ids = request_ids(&run, "requests").await;
    let status = status(&run).await;
    let (log_a, log_b) = (a.stop().await, b.stop().await);
    let entries: usize = ids.values().sum();
    println!(
        "two scanners: {} requests, {entries} entries on the stream; lease held by {}",
        ids.len(),
        status["scanner_lease"]["holder"]
    );
    assert_eq!(ids.len(), 30, "{log_a}\n{log_b}");
    assert!(
        twice(&ids).is_empty(),
        "handed out twice: {:?}",
        twice(&ids)
    );
    let holder = status["scanner_lease"]["holder"].as_str();
    assert!(
        matches!(holder, Some("scanner-a" | "scanner-b")),
        "status names the scanning replica: {status}"
    );
    assert_eq!(status["replicas"]["scanner"], 2, "{status}");
    let standing_by = [&log_a, &log_b]
        .iter()
        .filter(|log| log.contains("another replica scans: standing by"))
        .count();
    assert_eq!(standing_by, 1, "one scanner stood by:\n{log_a}\n{log_b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_takes_over_within_seconds_and_the_paused_holder_writes_nothing_after() {
    let (wiki, run) = a_scanning_co_op("scanner-takeover").await;
    let a = run.spawn_replica("matchbot-scanner", "scanner-a", &["--since", &run.since]);
    run.wait_until(
        "scanner-a holds the lease",
        Duration::from_secs(20),
        || async { lease_holder(&run).await.as_deref() == Some("scanner-a") },
    )
    .await;
    let b = run.spawn_replica("matchbot-scanner", "scanner-b", &["--since", &run.since]);
    learners_ask(&run, &wiki, 0, 3).await;

    // Paused past its lease, as a frozen VM or a long GC pause would leave it.
    a.signal("STOP");
    let paused = Instant::now();
    run.wait_until(
        "scanner-b takes the lease over",
        Duration::from_secs(20),
        || async { lease_holder(&run).await.as_deref() == Some("scanner-b") },
    )
    .await;
    let took_over = paused.elapsed();
    learners_ask(&run, &wiki, 3, 10).await;
    // Woken, it still believes it scans until its renewal or its next commit says otherwise.
    a.signal("CONT");
    learners_ask(&run, &wiki, 10, 15).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log_a = a.log();
    assert!(
        log_a.contains("the scanner lease ran out before it was renewed")
            || log_a.contains("the scanner lease passed to another replica"),
        "the woken scanner knows it lost the lease:\n{log_a}"
    );
    // The standby stops: the woken one takes over again.
    let log_b = b.stop().await;
    learners_ask(&run, &wiki, 15, 18).await;
    let log_a = a.stop().await;

    let ids = request_ids(&run, "requests").await;
    println!(
        "scanner takeover: the standby held the lease {:.1} s after the holder was paused; {} requests, handed out twice: {}",
        took_over.as_secs_f64(),
        ids.len(),
        twice(&ids).len()
    );
    assert!(
        took_over < matchbot_scanner::LEASE + Duration::from_secs(3),
        "took over after {took_over:?}"
    );
    assert_eq!(ids.len(), 18, "{log_a}\n{log_b}");
    assert!(
        twice(&ids).is_empty(),
        "handed out twice: {:?}",
        twice(&ids)
    );
}

#[tokio::test]
async fn a_commit_fenced_by_a_lease_that_ran_out_writes_nothing() {
    let run = Run::new("fence", |_| {});
    let bus = run.bus().await;
    let short = Duration::from_millis(300);
    let old = bus
        .take_lease(SCANNER_LEASE, "old", short)
        .await
        .expect("Redis answers")
        .expect("the lease is free");
    let taken = bus.take_lease(SCANNER_LEASE, "new", short).await;
    assert!(matches!(taken, Ok(None)), "held: {taken:?}");
    tokio::time::sleep(short * 2).await;
    let new = bus
        .take_lease(SCANNER_LEASE, "new", Duration::from_secs(30))
        .await
        .expect("Redis answers")
        .expect("free once it ran out");

    let mut commit = bus.commit_builder();
    commit.set("fenced", "the old holder's");
    let refused = bus.commit_fenced(commit, &old).await;
    assert!(
        matches!(refused, Err(BusError::LeaseLost { .. })),
        "{refused:?}"
    );
    assert_eq!(bus.renew_lease(&old).await.ok(), Some(false));
    assert_eq!(bus.value("fenced").await.expect("read"), None);
    let mut commit = bus.commit_builder();
    commit.set("fenced", "the new holder's");
    bus.commit_fenced(commit, &new)
        .await
        .expect("the holder writes");
    assert_eq!(
        bus.value("fenced").await.expect("read").as_deref(),
        Some("the new holder's")
    );

    // A stranger's lease is nobody's: a standby replaces it rather than wait behind it.
    let mut conn = run.redis().await;
    let () = redis::cmd("SET")
        .arg(run.key(SCANNER_LEASE))
        .arg("v1:00 intruder 1")
        .query_async(&mut conn)
        .await
        .expect("write as a stranger");
    let forged = bus.lease_status(SCANNER_LEASE).await.expect("status");
    assert_eq!(forged.and_then(|s| s.holder), None);
    let taken = bus
        .take_lease(SCANNER_LEASE, "standby", short)
        .await
        .expect("Redis answers");
    assert_eq!(taken.as_ref().map(|l| l.holder()), Some("standby"));
    run.lose_redis().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_matchers_deciding_at_once_never_give_a_mentor_more_than_the_cap() {
    const MENTORS: usize = 10;
    const CAP: usize = 3;
    const LEARNERS: usize = 300;
    let (wiki, run) = Run::on_fake_wiki("three-matchers", Clock::Real, |c| {
        c["matcher"]["max_active"] = json!(CAP);
    })
    .await;
    for m in 0..MENTORS {
        run.mentor_on(&wiki, &format!("Mentor {m}"), WRITING_MENTORS);
    }
    for i in 0..LEARNERS {
        run.asks_on(&wiki, &format!("Learner {i}"), WRITING);
    }
    // All three wait on the empty stream, so the scanner's one commit of every request wakes
    // them together: their first batches are decided at the same moment.
    let matchers: Vec<_> = ["matcher-a", "matcher-b", "matcher-c"]
        .iter()
        .map(|name| run.spawn_replica("matchbot-matcher", name, &[]))
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.wait_until(
        "a decision for every request",
        Duration::from_secs(60),
        || async { request_ids(&run, "decisions").await.len() >= LEARNERS },
    )
    .await;

    let mut learners: BTreeMap<String, usize> = BTreeMap::new();
    let decisions = run.export("decisions").await;
    for payload in &decisions {
        let decision: Value = serde_json::from_str(payload).expect("a decision");
        let mentor = decision["mentor"]["name"].as_str().expect("a mentor");
        *learners.entry(mentor.to_owned()).or_default() += 1;
    }
    let mut logs = Vec::new();
    for matcher in matchers {
        logs.push(matcher.stop().await);
    }
    let decided_again: usize = logs
        .iter()
        .filter_map(|log| {
            log.split("\"decided_again\":")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
        })
        .sum();
    let most = learners
        .iter()
        .filter(|(name, _)| name.starts_with("Mentor "))
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
    let matched: usize = learners
        .iter()
        .filter(|(name, _)| name.starts_with("Mentor "))
        .map(|(_, n)| *n)
        .sum();
    println!(
        "three matchers: {} decisions; the most learners of one mentor {most} (cap {CAP}); {matched} matched to mentors; batches decided again after another matcher's commit: {decided_again}",
        decisions.len()
    );
    assert_eq!(decisions.len(), LEARNERS, "one decision per request");
    assert!(most <= CAP, "a mentor got {most} learners: {learners:?}");
    assert_eq!(
        matched,
        MENTORS * CAP,
        "every mentor filled to the cap: {learners:?}"
    );
}
