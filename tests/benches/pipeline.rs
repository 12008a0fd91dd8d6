//! The pipeline benchmark: the four release workers against the real Redis and MariaDB and a
//! fast fake wiki holding a synthetic Co-op. Prints figures; judges nothing.
//!
//! Phases, each with a fresh fake wiki, Redis prefix, database and workers:
//! 1. throughput, notifier `--dry-run`: `REQUESTS` requests published at once, time from the
//!    first published to the last row committed;
//! 2. throughput with edits saved on the fake wiki (`LIVE` requests), after `IDLE_SECONDS` of
//!    idling that show what the workers ask the wiki when there is nothing to do;
//! 3. latency at a fixed offered load (`RATE` requests a second for `SECONDS`), per stage and
//!    end to end, in dry run and with edits;
//! 4. a backlog of `BACKLOG` requests published before the stages start, drained in dry run,
//!    with each worker's memory sampled as it drains.
//!
//! Each phase prints CPU time per request over the four workers and each worker's peak RSS.
//! Settings come from `MATCHBOT_BENCH_<NAME>` variables (see [`Settings`]). Run it with
//! `scripts/bench pipeline`, which builds the release binaries first and prints the Redis
//! ceiling (`redis-benchmark`, XADD pipelined) of the same machine.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::fake_wiki::{Clock, FakeWiki};
use harness::process::{self, Usage, mib};
use harness::{Run, Worker, add_matchbot};
use matchbot_bus::{Bus, REQUESTS};
use matchbot_model::{PageRef, Request, RequestId, Timestamp, User};
use mysql_async::prelude::Queryable;
use redis::AsyncCommands;
use serde_json::{Value, json};

/// What to run, from `MATCHBOT_BENCH_*`.
#[derive(Debug, Clone, Copy)]
struct Settings {
    /// Mentors in the synthetic Co-op (spread over the six skills, one in six general).
    mentors: usize,
    /// Requests of the dry-run throughput phase.
    requests: usize,
    /// Requests of the throughput phase with edits.
    live: usize,
    /// Offered load of the latency phases, requests per second.
    rate: u64,
    /// How long each latency phase offers it.
    seconds: u64,
    /// How long the workers idle before phase 2, for the requests an idle poll costs.
    idle_seconds: u64,
    /// Requests of the backlog phase (0 skips it).
    backlog: usize,
}

impl Settings {
    fn from_env() -> Settings {
        let get = |name: &str, default: u64| {
            std::env::var(format!("MATCHBOT_BENCH_{name}"))
                .ok()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or(default)
        };
        Settings {
            mentors: get("MENTORS", 100) as usize,
            requests: get("REQUESTS", 100_000) as usize,
            live: get("LIVE", 20_000) as usize,
            rate: get("RATE", 1_000).max(1),
            seconds: get("SECONDS", 10),
            idle_seconds: get("IDLE_SECONDS", 10),
            backlog: get("BACKLOG", 1_000_000) as usize,
        }
    }
}

const WORKERS: [&str; 4] = [
    "matchbot-scanner",
    "matchbot-matcher",
    "matchbot-notifier",
    "matchbot-recorder",
];

/// One phase's Co-op: a fake wiki holding it, and a run (config, Redis prefix, database) on it.
struct Coop {
    wiki: FakeWiki,
    run: Run,
    /// The requests its learners made, in request order, ready to publish.
    requests: Vec<Request>,
}

/// Builds a fake wiki with `mentors` mentors and `learners` learners, each learner's profile in
/// one request category since a time before the scanner's floor (so only the requests the
/// benchmark publishes are handled, not the scanner's own finds).
async fn coop(name: &str, mentors: usize, learners: usize) -> Coop {
    let wiki = FakeWiki::start(Clock::Real).await;
    add_matchbot(&wiki);
    wiki.forget_requests();
    let run = Run::new(name, |c| {
        c["login"]["site"] = json!(wiki.site);
        c["scanner"]["poll_seconds"] = json!(1);
        c["notifier"] = json!({ "edit_interval_seconds": 0, "run_page_check_seconds": 60 });
    });
    run.migrate().await;
    let example: Value = serde_json::from_str(include_str!("../../config.example.json"))
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
fn start(run: &Run, names: &[&str], dry_run: bool) -> Vec<(String, Worker)> {
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
async fn ready(run: &Run, stages: &[&str]) {
    let redis = run.redis().await;
    run.wait_until("the workers to start", Duration::from_secs(60), || {
        let mut redis = redis.clone();
        async move {
            let pool: bool = redis.exists(run.pool_key()).await.unwrap_or(false);
            let mut all = pool;
            for stage in stages {
                let key = format!("{}consumers:{stage}", run.prefix);
                let n: u64 = redis.zcard(key).await.unwrap_or(0);
                all &= n > 0;
            }
            all
        }
    })
    .await;
}

/// Each worker's usage now.
fn usage(workers: &[(String, Worker)]) -> Vec<Usage> {
    workers
        .iter()
        .map(|(_, w)| process::usage(w.pid()).unwrap_or_default())
        .collect()
}

/// Publishes `requests` to the run's `requests` stream as the scanner does (through the bus:
/// one MULTI/EXEC per `chunk`), returning when each chunk went out.
async fn publish(bus: &Bus, requests: &[Request], chunk: usize) {
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

async fn rows(db: &mysql_async::Pool) -> u64 {
    let mut conn = db.get_conn().await.expect("connect to MariaDB");
    conn.query_first("SELECT COUNT(*) FROM matches")
        .await
        .expect("count rows")
        .unwrap_or(0)
}

fn db_pool(run: &Run) -> mysql_async::Pool {
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
async fn wait_for_rows(
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
const COUNT_EVERY: Duration = Duration::from_millis(50);

/// Prints each worker's CPU between `before` and `after` and its peak RSS, and the total CPU
/// per request.
fn print_costs(workers: &[(String, Worker)], before: &[Usage], after: &[Usage], requests: u64) {
    let mut total = Duration::ZERO;
    for (((name, _), b), a) in workers.iter().zip(before).zip(after) {
        let cpu = a.cpu.saturating_sub(b.cpu);
        total += cpu;
        println!(
            "    {name:<18} CPU {:>8.2} s  {:>7.1} µs/request   RSS now {:>6.1} MiB, peak {:>6.1} MiB",
            cpu.as_secs_f64(),
            per_request(cpu, requests),
            mib(a.rss),
            mib(a.peak_rss),
        );
    }
    println!(
        "    all four workers   CPU {:>8.2} s  {:>7.1} µs/request",
        total.as_secs_f64(),
        per_request(total, requests)
    );
}

fn per_request(cpu: Duration, requests: u64) -> f64 {
    cpu.as_secs_f64() * 1e6 / requests.max(1) as f64
}

/// CPU used by the Redis and MariaDB servers, for saying what limits a figure.
#[derive(Clone, Copy)]
struct Servers {
    redis: Duration,
    mariadb: Duration,
    bench: Duration,
}

async fn servers(redis: &mut redis::aio::MultiplexedConnection) -> Servers {
    let info: String = redis::cmd("INFO")
        .arg("cpu")
        .query_async(redis)
        .await
        .unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let redis = Duration::from_secs_f64(field("used_cpu_user:") + field("used_cpu_sys:"));
    let mariadb = process::pid_of("mariadbd")
        .or_else(|| process::pid_of("mysqld"))
        .and_then(process::usage)
        .map_or(Duration::ZERO, |u| u.cpu);
    Servers {
        redis,
        mariadb,
        bench: process::own_cpu(),
    }
}

fn print_servers(before: Servers, after: Servers, requests: u64) {
    let line = |name: &str, b: Duration, a: Duration| {
        let cpu = a.saturating_sub(b);
        println!(
            "    {name:<18} CPU {:>8.2} s  {:>7.1} µs/request",
            cpu.as_secs_f64(),
            per_request(cpu, requests)
        );
    };
    line("redis-server", before.redis, after.redis);
    line("mariadbd", before.mariadb, after.mariadb);
    line("this bench+fake wiki", before.bench, after.bench);
}

/// How many requests of each kind the fake wiki received since `before`.
fn api_since(wiki: &FakeWiki, before: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    wiki.requests()
        .into_iter()
        .map(|(k, n)| {
            let was = before.get(&k).copied().unwrap_or(0);
            (k, n - was)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn print_api(label: &str, counts: &BTreeMap<String, usize>, per: u64) {
    let total: usize = counts.values().sum();
    println!(
        "    API requests {label}: {:.3} ({total} in all)",
        total as f64 / per.max(1) as f64
    );
    for (kind, n) in counts {
        println!("      {kind:<28} {n}");
    }
}

/// Phase 1 and 2: everything published at once, time to the last row.
async fn throughput(settings: Settings, dry_run: bool, count: usize) {
    let mode = if dry_run {
        "notifier --dry-run"
    } else {
        "greetings saved on the fake wiki"
    };
    println!("\nthroughput, {mode}: {count} requests published at once");
    let coop = coop("bench-throughput", settings.mentors, count).await;
    let workers = start(&coop.run, &WORKERS, dry_run);
    ready(&coop.run, &["matcher", "notifier", "recorder"]).await;
    let mut redis = coop.run.redis().await;
    if !dry_run && settings.idle_seconds > 0 {
        idle(&coop, &workers, settings.idle_seconds).await;
    }
    let bus = coop.run.bus().await;
    let db = db_pool(&coop.run);
    let (before, api_before, servers_before) = (
        usage(&workers),
        coop.wiki.requests(),
        servers(&mut redis).await,
    );
    let started = Instant::now();
    publish(&bus, &coop.requests, 1_000).await;
    let published = started.elapsed();
    let (done, last) = wait_for_rows(&db, count as u64, COUNT_EVERY, |_| {}).await;
    let (after, servers_after) = (usage(&workers), servers(&mut redis).await);
    let api = api_since(&coop.wiki, &api_before);
    let elapsed = last - started;
    println!(
        "  {done} rows in {:.2} s: {:.0} requests/s end to end (publishing took {:.2} s)",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64(),
        published.as_secs_f64()
    );
    print_costs(&workers, &before, &after, done);
    print_servers(servers_before, servers_after, done);
    let label = if dry_run {
        "per request"
    } else {
        "per match (greeting posted)"
    };
    print_api(label, &api, done);
    stop(workers).await;
    clean_up(&coop.run, db).await;
}

/// The workers idling for `seconds`: what they ask the wiki, and what they cost.
async fn idle(coop: &Coop, workers: &[(String, Worker)], seconds: u64) {
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

async fn stop(workers: Vec<(String, Worker)>) {
    for (_, worker) in workers {
        worker.stop().await;
    }
}

/// Removes what a phase left: its Redis keys (a million entries are gigabytes), its database
/// and its workers' logs.
async fn clean_up(run: &Run, db: mysql_async::Pool) {
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

/// When each request was seen at each point of the pipeline.
#[derive(Default)]
struct Seen {
    published: HashMap<String, Instant>,
    decided: HashMap<String, Instant>,
    greeted: HashMap<String, Instant>,
    recorded: HashMap<String, Instant>,
}

/// Notes when each entry of `stream` appears (a plain XREAD, no consumer group), by the
/// request id found at `path` in its payload.
fn watch_stream(
    run: &Run,
    stream: &'static str,
    path: &'static [&'static str],
    seen: Arc<Mutex<Seen>>,
    pick: fn(&mut Seen) -> &mut HashMap<String, Instant>,
    until: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    let key = format!("{}{stream}", run.prefix);
    let url = run.redis_url.clone();
    tokio::spawn(async move {
        let mut redis = redis::Client::open(url.as_str())
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("connect to Redis");
        let mut last = "$".to_owned();
        while !until.load(std::sync::atomic::Ordering::Relaxed) {
            let options = redis::streams::StreamReadOptions::default()
                .block(100)
                .count(1_000);
            let reply: redis::streams::StreamReadReply = redis
                .xread_options(&[&key], &[&last], &options)
                .await
                .expect("read a stream");
            let now = Instant::now();
            let mut seen = seen.lock().expect("seen");
            for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
                last = entry.id.clone();
                let payload: Option<String> = entry.get("payload");
                let Some(v) = payload.and_then(|p| serde_json::from_str::<Value>(&p).ok()) else {
                    continue;
                };
                let id = path.iter().fold(&v, |v, k| &v[*k]);
                if let Some(id) = id.as_str() {
                    pick(&mut seen).entry(id.to_owned()).or_insert(now);
                }
            }
        }
    })
}

/// Notes when each row is committed, polling for new rows every millisecond.
fn watch_rows(
    db: mysql_async::Pool,
    seen: Arc<Mutex<Seen>>,
    until: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut conn = db.get_conn().await.expect("connect to MariaDB");
        let mut last_id: u64 = 0;
        while !until.load(std::sync::atomic::Ordering::Relaxed) {
            let new: Vec<(u64, String)> = conn
                .exec(
                    "SELECT id, request_id FROM matches WHERE id > ? ORDER BY id",
                    (last_id,),
                )
                .await
                .expect("read new rows");
            let now = Instant::now();
            {
                let mut seen = seen.lock().expect("seen");
                for (id, request) in new {
                    last_id = last_id.max(id);
                    seen.recorded.entry(request).or_insert(now);
                }
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
}

/// Phase 3: requests offered at a fixed rate; latency per stage and end to end.
async fn latency(settings: Settings, dry_run: bool) {
    let count = (settings.rate * settings.seconds) as usize;
    let mode = if dry_run {
        "notifier --dry-run"
    } else {
        "greetings saved on the fake wiki"
    };
    println!(
        "\nlatency, {mode}: {} requests/s offered for {} s ({count} requests)",
        settings.rate, settings.seconds
    );
    let coop = coop("bench-latency", settings.mentors, count).await;
    let workers = start(&coop.run, &WORKERS, dry_run);
    ready(&coop.run, &["matcher", "notifier", "recorder"]).await;
    let bus = coop.run.bus().await;
    let db = db_pool(&coop.run);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let until = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchers = [
        watch_stream(
            &coop.run,
            "decisions",
            &["request", "request_id"],
            seen.clone(),
            |s| &mut s.decided,
            until.clone(),
        ),
        watch_stream(
            &coop.run,
            "outcomes",
            &["decision", "request", "request_id"],
            seen.clone(),
            |s| &mut s.greeted,
            until.clone(),
        ),
        watch_rows(db.clone(), seen.clone(), until.clone()),
    ];
    // Let the watchers start reading before the first request goes out.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = usage(&workers);
    let mut redis = coop.run.redis().await;
    let servers_before = servers(&mut redis).await;
    let every = Duration::from_secs_f64(1.0 / settings.rate as f64);
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for request in &coop.requests {
        ticks.tick().await;
        let at = Instant::now();
        publish(&bus, std::slice::from_ref(request), 1).await;
        seen.lock()
            .expect("seen")
            .published
            .insert(request.request_id.as_str().to_owned(), at);
    }
    let (done, _) = wait_for_rows(&db, count as u64, COUNT_EVERY, |_| {}).await;
    // The row watcher polls every millisecond: let it see the last rows.
    tokio::time::sleep(Duration::from_millis(50)).await;
    until.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in watchers {
        w.await.expect("a watcher");
    }
    let (after, servers_after) = (usage(&workers), servers(&mut redis).await);
    let seen = std::mem::take(&mut *seen.lock().expect("seen"));
    let stage = |from: &HashMap<String, Instant>, to: &HashMap<String, Instant>| {
        let mut d: Vec<Duration> = from
            .iter()
            .filter_map(|(id, a)| to.get(id).map(|b| b.saturating_duration_since(*a)))
            .collect();
        d.sort();
        d
    };
    println!("  {done} rows; milliseconds from one point to the next:");
    println!(
        "    {:<34} {:>7} {:>7} {:>7} {:>7}",
        "", "p50", "p90", "p99", "max"
    );
    for (label, d) in [
        (
            "matcher (published → decided)",
            stage(&seen.published, &seen.decided),
        ),
        (
            "notifier (decided → greeted)",
            stage(&seen.decided, &seen.greeted),
        ),
        (
            "recorder (greeted → row committed)",
            stage(&seen.greeted, &seen.recorded),
        ),
        (
            "end to end (published → row)",
            stage(&seen.published, &seen.recorded),
        ),
    ] {
        if d.is_empty() {
            println!("    {label:<34} no samples");
            continue;
        }
        let at = |q: f64| d[((d.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
        println!(
            "    {label:<34} {:>7.1} {:>7.1} {:>7.1} {:>7.1}",
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
    print_costs(&workers, &before, &after, done);
    print_servers(servers_before, servers_after, done);
    stop(workers).await;
    clean_up(&coop.run, db).await;
}

/// Phase 4: a backlog published before the stages start, drained in dry run.
async fn backlog(settings: Settings) {
    let count = settings.backlog;
    println!(
        "\nbacklog: {count} requests waiting before the matcher, notifier and recorder start (notifier --dry-run)"
    );
    let coop = coop("bench-backlog", settings.mentors, count).await;
    let mut redis = coop.run.redis().await;
    let memory = async |redis: &mut redis::aio::MultiplexedConnection| -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(redis)
            .await
            .unwrap_or_default();
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let redis_empty = memory(&mut redis).await;
    let mut workers = start(&coop.run, &WORKERS[..1], true);
    ready(&coop.run, &[]).await;
    let bus = coop.run.bus().await;
    let started = Instant::now();
    publish(&bus, &coop.requests, 1_000).await;
    let waiting: u64 = redis
        .xlen(format!("{}requests", coop.run.prefix))
        .await
        .unwrap_or(0);
    let redis_full = memory(&mut redis).await;
    println!(
        "  published in {:.1} s; {waiting} entries on the requests stream; Redis used memory {:.0} → {:.0} MiB",
        started.elapsed().as_secs_f64(),
        mib(redis_empty),
        mib(redis_full)
    );
    workers.extend(start(&coop.run, &WORKERS[1..], true));
    let before = usage(&workers);
    let started = Instant::now();
    let db = db_pool(&coop.run);
    // Every 5 s: rows so far and each worker's memory.
    let mut samples: Vec<(u64, Vec<Usage>)> = Vec::new();
    let (done, last) = wait_for_rows(&db, count as u64, Duration::from_secs(5), |done| {
        samples.push((done, usage(&workers)))
    })
    .await;
    let elapsed = last - started;
    let after = usage(&workers);
    println!(
        "  {done} rows in about {:.0} s (sampled every 5 s): about {:.0} requests/s; Redis used memory after: {:.0} MiB",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64(),
        mib(memory(&mut redis).await)
    );
    println!("  RSS (MiB) of each worker as the backlog drains:");
    println!(
        "    {:>9} {:>9} {:>9} {:>9} {:>9}",
        "rows", "scanner", "matcher", "notifier", "recorder"
    );
    for (rows, usage) in &samples {
        let rss: Vec<String> = usage
            .iter()
            .map(|u| format!("{:>9.1}", mib(u.rss)))
            .collect();
        println!("    {rows:>9} {}", rss.join(" "));
    }
    print_costs(&workers, &before, &after, done);
    stop(workers).await;
    clean_up(&coop.run, db).await;
}

#[tokio::main]
async fn main() {
    let settings = Settings::from_env();
    println!("MatchBot pipeline benchmark: {settings:?}");
    println!(
        "synthetic Co-op: {} mentors over six skills; learners spread over six request categories",
        settings.mentors
    );
    if settings.requests > 0 {
        throughput(settings, true, settings.requests).await;
    }
    if settings.live > 0 {
        throughput(settings, false, settings.live).await;
    }
    if settings.seconds > 0 {
        latency(settings, true).await;
        latency(settings, false).await;
    }
    if settings.backlog > 0 {
        backlog(settings).await;
    }
}
