//! Phase 3: latency per stage and end to end at a fixed offered load.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::Run;
use mysql_async::prelude::Queryable;
use redis::AsyncCommands;
use serde_json::Value;

use crate::coop::{
    COUNT_EVERY, clean_up, coop, db_pool, publish, ready, start, stop, wait_for_rows,
};
use crate::costs::{print_costs, print_servers, servers, usage};
use crate::{Settings, WORKERS};

/// When each request was seen at each point of the pipeline.
#[derive(Default)]
pub(crate) struct Seen {
    pub(crate) published: HashMap<String, Instant>,
    pub(crate) decided: HashMap<String, Instant>,
    pub(crate) greeted: HashMap<String, Instant>,
    pub(crate) recorded: HashMap<String, Instant>,
}

/// Notes when each entry of `stream` appears (a plain XREAD, no consumer group), by the
/// request id found at `path` in its payload.
pub(crate) fn watch_stream(
    run: &Run,
    stream: &'static str,
    path: &'static [&'static str],
    seen: Arc<Mutex<Seen>>,
    pick: fn(&mut Seen) -> &mut HashMap<String, Instant>,
    until: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    let key = run.key(stream);
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
pub(crate) fn watch_rows(
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
pub(crate) async fn latency(settings: Settings, dry_run: bool) {
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
    let servers_before = servers(&mut redis, coop.run.db_port).await;
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
    let (after, servers_after) = (usage(&workers), servers(&mut redis, coop.run.db_port).await);
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
