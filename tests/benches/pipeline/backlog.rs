//! Phase 4: a backlog published before the stages start, drained, memory sampled.

use std::time::{Duration, Instant};

use harness::process::{Usage, mib};
use redis::AsyncCommands;

use crate::coop::{clean_up, coop, db_pool, publish, ready, start, stop, wait_for_rows};
use crate::costs::{print_costs, usage};
use crate::{Settings, WORKERS};

/// Phase 4: a backlog published before the stages start, drained in dry run.
pub(crate) async fn backlog(settings: Settings) {
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
    let waiting: u64 = redis.xlen(coop.run.key("requests")).await.unwrap_or(0);
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
