//! Phases 1 and 2: requests published at once, in dry run and with edits.

use std::time::Instant;

use crate::coop::{
    COUNT_EVERY, clean_up, coop, db_pool, idle, publish, ready, start, stop, wait_for_rows,
};
use crate::costs::{api_since, print_api, print_costs, print_servers, servers, usage};
use crate::{Settings, WORKERS};

/// Phase 1 and 2: everything published at once, time to the last row.
pub(crate) async fn throughput(settings: Settings, dry_run: bool, count: usize) {
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
        servers(&mut redis, coop.run.db_port).await,
    );
    let started = Instant::now();
    publish(&bus, &coop.requests, 1_000).await;
    let published = started.elapsed();
    let (done, last) = wait_for_rows(&db, count as u64, COUNT_EVERY, |_| {}).await;
    let (after, servers_after) = (usage(&workers), servers(&mut redis, coop.run.db_port).await);
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
