//! The synthetic Co-op on the fake wiki, the workers run on it, and what every phase does
//! before and after: publishing requests, counting rows, cleaning up.

use std::time::{Duration, Instant};

use harness::fake_wiki::{Clock, FakeWiki};
use harness::{Run, Worker, add_matchbot};
use matchbot_bus::{Bus, REQUESTS};
use matchbot_model::{PageRef, Request, RequestId, Timestamp, User};
use mysql_async::prelude::Queryable;
use redis::AsyncCommands;
use serde_json::{Value, json};

use crate::costs::{api_since, print_api, usage};

/// One phase's Co-op: a fake wiki holding it, and a run (config, Redis prefix, database) on it.
pub(crate) struct Coop {
    pub(crate) wiki: FakeWiki,
    pub(crate) run: Run,
    /// The requests its learners made, in request order, ready to publish.
    pub(crate) requests: Vec<Request>,
}

/// Builds a fake wiki with `mentors` mentors and `learners` learners, each learner's profile in
/// one request category since a time before the scanner's floor (so only the requests the
/// benchmark publishes are handled, not the scanner's own finds).
pub(crate) async fn coop(name: &str, mentors: usize, learners: usize) -> Coop {
    let wiki = FakeWiki::start(Clock::Real).await;
    add_matchbot(&wiki);
    wiki.forget_requests();
    let run = Run::new(name, |c| {
        c["login"]["site"] = json!(wiki.site);
        c["scanner"]["poll_seconds"] = json!(1);
        c["notifier"] = json!({ "edit_interval_seconds": 0, "run_page_check_seconds": 60 });
    });
    run.migrate().await;
    let example: Value = serde_json::from_str(include_str!("../../../config.example.json"))
        .expect("the example config is JSON");
    let list = |key: &str| -> Vec<String> {
        example["categories"][key]
            .as_array()
            .expect("a category list")
            .iter()
            .map(|c| c.as_str().expect("a category").to_owned())
            .collect()
    };
    let (request_categories, mentor_categories) =
        (list("requestcategories"), list("mentorcategories"));
    let long_ago = Timestamp::parse("2026-01-01T00:00:00Z").expect("a time");
    wiki.edit(
        "Maintainer",
        &run.profile("Maintainer"),
        "I run this Co-op.",
    );
    for m in 0..mentors {
        let (name, profile) = (format!("Mentor {m}"), run.profile(&format!("Mentor {m}")));
        wiki.edit(&name, &profile, "I mentor.");
        let category = &mentor_categories[m % mentor_categories.len()];
        wiki.categorize_at(&profile, category, long_ago);
    }
    let scanned_at = Timestamp::now();
    let requests = (0..learners)
        .map(|i| {
            let name = format!("Learner {i}");
            let title = run.profile(&name);
            let pageid = wiki.edit(&name, &title, "I want to learn.");
            let category = request_categories[i % request_categories.len()].clone();
            let added = long_ago.plus_seconds(i as i64);
            wiki.categorize_at(&title, &category, added);
            Request {
                request_id: RequestId::new(pageid, &category, added),
                profile: PageRef { id: pageid, title },
                learner: User {
                    id: wiki.add_user(&name),
                    name,
                },
                category,
                category_added: added,
                scanned_at,
                checkup: None,
                settings: None,
                learner_facts: None,
            }
        })
        .collect();
    Coop {
        wiki,
        run,
        requests,
    }
}

/// Starts `names` with the run's configuration; the notifier dry-runs when `dry_run`.
pub(crate) fn start(run: &Run, names: &[&str], dry_run: bool) -> Vec<(String, Worker)> {
    names
        .iter()
        .map(|&name| {
            let mut args = Vec::new();
            if name == "matchbot-scanner" {
                args.extend(["--since", run.since.as_str()]);
            }
            if name == "matchbot-notifier" && dry_run {
                args.push("--dry-run");
            }
            (name.to_owned(), run.spawn(name, &args))
        })
        .collect()
}

/// Waits until the scanner wrote the mentor pool and each stage in `stages` has read once.
pub(crate) async fn ready(run: &Run, stages: &[&str]) {
    let redis = run.redis().await;
    run.wait_until("the workers to start", Duration::from_secs(60), || {
        let mut redis = redis.clone();
        async move {
            let pool: bool = redis.exists(run.pool_key()).await.unwrap_or(false);
            let mut all = pool;
            for stage in stages {
                let key = run.key(&format!("consumers:{stage}"));
                let n: u64 = redis.zcard(key).await.unwrap_or(0);
                all &= n > 0;
            }
            all
        }
    })
    .await;
}

/// Publishes `requests` to the run's `requests` stream as the scanner does (through the bus:
/// one MULTI/EXEC per `chunk`), returning when each chunk went out.
pub(crate) async fn publish(bus: &Bus, requests: &[Request], chunk: usize) {
    for part in requests.chunks(chunk) {
        let mut commit = bus.commit_builder();
        for request in part {
            commit
                .emit(REQUESTS, request)
                .expect("a request serialises");
        }
        bus.commit(commit).await.expect("publish requests");
    }
}

pub(crate) async fn rows(db: &mysql_async::Pool) -> u64 {
    let mut conn = db.get_conn().await.expect("connect to MariaDB");
    conn.query_first("SELECT COUNT(*) FROM matches")
        .await
        .expect("count rows")
        .unwrap_or(0)
}

pub(crate) fn db_pool(run: &Run) -> mysql_async::Pool {
    mysql_async::Pool::new(
        mysql_async::OptsBuilder::default()
            .ip_or_hostname("127.0.0.1")
            .tcp_port(run.db_port)
            .user(Some("root"))
            .db_name(Some(&run.db_name)),
    )
}

/// Counts the rows every `every` (handing each count to `counted`) until `expected` rows are
/// committed; stops early, saying so, when the count has not moved for 30 s. Returns the rows
/// seen and when the last one was counted.
pub(crate) async fn wait_for_rows(
    db: &mysql_async::Pool,
    expected: u64,
    every: Duration,
    mut counted: impl FnMut(u64),
) -> (u64, Instant) {
    let (mut last, mut moved) = (0, Instant::now());
    loop {
        tokio::time::sleep(every).await;
        let now = rows(db).await;
        counted(now);
        if now >= expected {
            return (now, Instant::now());
        }
        if now != last {
            (last, moved) = (now, Instant::now());
        } else if moved.elapsed() > Duration::from_secs(30) {
            println!("  !! stalled: {now} of {expected} rows, no new row for 30 s");
            return (now, moved);
        }
    }
}

/// How often the throughput and latency phases count the rows.
pub(crate) const COUNT_EVERY: Duration = Duration::from_millis(50);

/// The workers idling for `seconds`: what they ask the wiki, and what they cost.
pub(crate) async fn idle(coop: &Coop, workers: &[(String, Worker)], seconds: u64) {
    let (before, api_before) = (usage(workers), coop.wiki.requests());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (after, api) = (usage(workers), api_since(&coop.wiki, &api_before));
    let polls = api.get("query/watchlist").copied().unwrap_or(0).max(1);
    println!("  idle for {seconds} s first: {polls} polls of the watchlist");
    print_api("per idle poll", &api, polls as u64);
    for (((name, _), b), a) in workers.iter().zip(&before).zip(&after) {
        println!(
            "    {name:<18} idle CPU {:>6.1} ms/s",
            a.cpu.saturating_sub(b.cpu).as_secs_f64() * 1e3 / seconds as f64
        );
    }
}

pub(crate) async fn stop(workers: Vec<(String, Worker)>) {
    for (_, worker) in workers {
        worker.stop().await;
    }
}

/// Removes what a phase left: its Redis keys (a million entries are gigabytes), its database
/// and its workers' logs.
pub(crate) async fn clean_up(run: &Run, db: mysql_async::Pool) {
    run.lose_redis().await;
    if let Ok(mut conn) = db.get_conn().await {
        let dropped = conn
            .query_drop(format!("DROP DATABASE `{}`", run.db_name))
            .await;
        if let Err(e) = dropped {
            println!("  (could not drop {}: {e})", run.db_name);
        }
    }
    db.disconnect().await.ok();
    std::fs::remove_dir_all(&run.dir).ok();
}
