//! One phase: its fake wikis, stream, deployment and workers; the learners asking; the figures.

use std::time::{Duration, Instant};

use harness::eventstreams::{EventStreams, wiki};
use harness::fake_wiki::{Clock, FakeWiki};
use harness::process::{self, Usage, mib};
use harness::{Run, Worker, add_matchbot};
use matchbot_model::Timestamp;
use mysql_async::prelude::Queryable;
use serde_json::{Map, Value, json};

use crate::Settings;

pub(crate) const WORKERS: [&str; 4] = [
    "matchbot-scanner",
    "matchbot-matcher",
    "matchbot-notifier",
    "matchbot-recorder",
];

/// What the end compares between the phases.
pub(crate) struct Figures {
    /// Each worker's RSS once every programme had started, in bytes.
    pub(crate) rss: [u64; 4],
    pub(crate) redis_connections: i64,
    pub(crate) db_connections: i64,
    pub(crate) stream_connections: u64,
}

/// How long the greetings of the last learners may take to be saved.
const PATIENCE: Duration = Duration::from_secs(60);

pub(crate) async fn phase(settings: Settings) -> Figures {
    let n = settings.programmes;
    println!(
        "{n} programme(s), {} stream events/s, {:.2} learners/s:",
        settings.rate, settings.learners
    );
    let (requests, mentors) = categories();
    let watched = requests.iter().chain(&mentors).cloned().collect();
    let stream = EventStreams::start(settings.rate, n, watched);
    let mut wikis = Vec::with_capacity(n);
    for _ in 0..n {
        wikis.push(FakeWiki::start(Clock::Real).await);
    }
    let run = Run::new("bench-programmes", |c| {
        c["notifier"]["edit_interval_seconds"] = json!(10);
        c["notifier"]["run_page_check_seconds"] = json!(60);
        c["programmes"] = programmes(&wikis, &stream.url);
    });
    run.migrate().await;
    let long_ago = Timestamp::parse("2026-01-01T00:00:00Z").expect("a time");
    for wiki in &wikis {
        add_matchbot(wiki);
        wiki.edit(
            "Maintainer",
            &run.profile("Maintainer"),
            "I run this Co-op.",
        );
        for (m, category) in mentors.iter().enumerate() {
            let (name, profile) = (format!("Mentor {m}"), run.profile(&format!("Mentor {m}")));
            wiki.edit(&name, &profile, "I mentor.");
            wiki.categorize_at(&profile, category, long_ago);
        }
        wiki.forget_requests();
    }

    let db = db_pool(&run);
    let mut redis = run.redis().await;
    let (redis_before, db_before) = (redis_clients(&mut redis).await, threads(&db).await);
    let workers: Vec<Worker> = WORKERS
        .iter()
        .map(|&name| match name {
            "matchbot-scanner" => run.spawn(name, &["--since", run.since.as_str()]),
            _ => run.spawn(name, &[]),
        })
        .collect();
    let started = Instant::now();
    run.wait_until("every programme's first reconcile", PATIENCE, || async {
        workers[0].log().matches("\"reconciled\"").count() >= n
    })
    .await;
    println!(
        "    every programme reconciled {:.1} s after the workers started",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let redis_connections = redis_clients(&mut redis).await - redis_before;
    let db_connections = threads(&db).await - db_before;
    let now = usage(&workers);
    let rss = std::array::from_fn(|i| now[i].rss);

    let before = usage(&workers);
    let (events_before, kept_before) = (stream.events(), stream.for_programmes());
    let api_before = api_requests(&wikis);
    let started = Instant::now();
    let mut asked = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / settings.learners));
    while started.elapsed() < Duration::from_secs(settings.seconds) {
        tick.tick().await;
        let i = asked.len();
        let (p, name) = (i % n, format!("Learner {i}"));
        let category = &requests[i % requests.len()];
        run.asks_on(&wikis[p], &name, category);
        stream.categorize(p, category);
        asked.push((p, run.talk_page(&name), Instant::now()));
    }
    let waits = greetings(&wikis, &asked).await;
    let elapsed = started.elapsed().as_secs_f64();
    let after = usage(&workers);
    let events = stream.events() - events_before;
    let kept = stream.for_programmes() - kept_before;
    let api = api_requests(&wikis) - api_before;

    println!(
        "    stream: {events} events in {elapsed:.1} s ({:.0}/s), {kept} kept by a programme's filter \
         ({} of them learners' requests); {} connection(s) for {n} programme(s)",
        events as f64 / elapsed,
        asked.len(),
        stream.connections()
    );
    print_greetings(&waits, asked.len(), elapsed);
    println!(
        "    API requests to the wikis: {api} ({:.2} per kept event)",
        api as f64 / kept.max(1) as f64
    );
    let greeted = waits.len() as f64;
    for ((name, b), a) in WORKERS.iter().zip(&before).zip(&after) {
        let cpu = a.cpu.saturating_sub(b.cpu).as_secs_f64();
        println!(
            "    {name:<18} CPU {cpu:>6.2} s ({:>5.1} % of a core) {:>7.1} µs/event {:>8.0} µs/greeting   \
             RSS {:>6.1} MiB, peak {:>6.1} MiB",
            cpu * 100.0 / elapsed,
            cpu * 1e6 / events.max(1) as f64,
            cpu * 1e6 / greeted.max(1.0),
            mib(a.rss),
            mib(a.peak_rss),
        );
    }
    println!(
        "    connections held by the four workers: Redis {redis_connections}, MariaDB {db_connections}"
    );
    let notifier = after[2].cpu.saturating_sub(before[2].cpu).as_secs_f64();
    // Below a few clock ticks, the CPU per greeting says nothing.
    let ceiling = if notifier >= 0.05 {
        format!("{:.0}", 3600.0 * greeted / notifier)
    } else {
        "too little CPU to tell".to_owned()
    };
    println!(
        "    greetings an hour: the default edit interval allows {} on {n} wiki(s); \
         at the notifier's CPU per greeting, one core does {ceiling}",
        n * 360,
    );

    for worker in workers {
        worker.stop().await;
    }
    run.lose_redis().await;
    if let Ok(mut conn) = db.get_conn().await {
        let _ = conn
            .query_drop(format!("DROP DATABASE `{}`", run.db_name))
            .await;
    }
    db.disconnect().await.ok();
    std::fs::remove_dir_all(&run.dir).ok();
    stream.stop();
    Figures {
        rss,
        redis_connections,
        db_connections,
        stream_connections: stream.connections(),
    }
}

/// The example configuration's request and mentor categories: each programme's, as copies of
/// one Co-op.
fn categories() -> (Vec<String>, Vec<String>) {
    let example: Value = serde_json::from_str(include_str!("../../../config.example.json"))
        .expect("the example config is JSON");
    let list = |key: &str| -> Vec<String> {
        example["categories"][key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect()
    };
    (list("requestcategories"), list("mentorcategories"))
}

/// Programme `p{i}` on wiki `i`, woken by the stream for its wiki's changes, polled hourly.
fn programmes(wikis: &[FakeWiki], url: &str) -> Value {
    let mut all = Map::new();
    for (i, fake) in wikis.iter().enumerate() {
        let (name, server) = wiki(i);
        all.insert(
            format!("p{i}"),
            json!({
                "login": { "site": fake.site },
                "scanner": { "push": {
                    "eventstreams": url, "wiki": name, "server_name": server,
                    "heartbeat_seconds": 3600,
                } },
            }),
        );
    }
    Value::Object(all)
}

/// Waits until each learner of `asked` (programme, talk page, when asked) is greeted, or
/// [`PATIENCE`] after the last was asked; returns each greeting's wait.
async fn greetings(wikis: &[FakeWiki], asked: &[(usize, String, Instant)]) -> Vec<Duration> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let waits: Vec<Duration> = asked
            .iter()
            .filter_map(|(p, talk, at)| {
                let edits = wikis[*p].edits();
                let edit = edits
                    .iter()
                    .find(|e| &e.title == talk && e.user == "MatchBot")?;
                Some(edit.received.saturating_duration_since(*at))
            })
            .collect();
        if waits.len() == asked.len() || Instant::now() > deadline {
            return waits;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn print_greetings(waits: &[Duration], asked: usize, elapsed: f64) {
    let mut ms: Vec<f64> = waits.iter().map(|w| w.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
    };
    println!(
        "    learners: {asked} asked, {} greeted ({:.0} an hour); tag → greeting saved: \
         median {:.0} ms, p90 {:.0} ms, slowest {:.0} ms",
        ms.len(),
        ms.len() as f64 * 3600.0 / elapsed,
        at(0.5).unwrap_or(f64::NAN),
        at(0.9).unwrap_or(f64::NAN),
        ms.last().copied().unwrap_or(f64::NAN),
    );
}

fn usage(workers: &[Worker]) -> Vec<Usage> {
    workers
        .iter()
        .map(|w| process::usage(w.pid()).unwrap_or_default())
        .collect()
}

fn api_requests(wikis: &[FakeWiki]) -> usize {
    wikis
        .iter()
        .map(|w| w.requests().values().sum::<usize>())
        .sum()
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

/// The clients connected to Redis now.
async fn redis_clients(redis: &mut redis::aio::MultiplexedConnection) -> i64 {
    let info: String = redis::cmd("INFO")
        .arg("clients")
        .query_async(redis)
        .await
        .unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The connections MariaDB holds now.
async fn threads(db: &mysql_async::Pool) -> i64 {
    let Ok(mut conn) = db.get_conn().await else {
        return 0;
    };
    let row: Option<(String, i64)> = conn
        .query_first("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
        .await
        .unwrap_or(None);
    row.map_or(0, |(_, n)| n)
}
