//! Recorder throughput: rows committed to the real MariaDB per second.
//!
//! Fills the outcomes stream of a fresh run with `MATCHBOT_BENCH_ROWS` outcomes (default
//! 100,000; each with an explanation and a trace context, as the pipeline writes them), runs
//! the release `matchbot-recorder --once` over them and prints rows per second, from the start
//! of the process to its exit (connecting, checking the schema, every batch's upsert and ack).
//! Then puts the same outcomes in the stream again, as a redelivery would, and times the
//! recorder over them too: every row is already there, so nothing may change. The aim is at
//! least 10,000 rows per second.
//!
//! Run it with `scripts/bench recorder` (it builds the release binaries first).

use std::time::{Duration, Instant};

use harness::Run;

/// Runs the recorder over what is waiting; its wall time.
async fn record(run: &Run) -> Duration {
    let started = Instant::now();
    run.ok("matchbot-recorder", &["--once"]).await;
    started.elapsed()
}

async fn rows(run: &Run) -> u64 {
    let counted = run.query("SELECT COUNT(*) FROM matches").await;
    counted
        .first()
        .and_then(|row| row.get::<u64, _>(0))
        .expect("a count")
}

#[tokio::main]
async fn main() {
    let count: u64 = std::env::var("MATCHBOT_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let run = Run::new("bench-recorder", |_| {});
    run.migrate().await;

    run.add_outcomes(0..count).await;
    let first = record(&run).await;
    assert_eq!(rows(&run).await, count, "every outcome has its row");
    let sample = run
        .query(
            "SELECT COUNT(*) FROM matches WHERE trace_id IS NOT NULL AND explanation IS NOT NULL",
        )
        .await;
    assert_eq!(sample.first().and_then(|r| r.get::<u64, _>(0)), Some(count));

    run.add_outcomes(0..count).await;
    let again = record(&run).await;
    assert_eq!(rows(&run).await, count, "a redelivered outcome adds no row");

    let rate = |d: Duration| count as f64 / d.as_secs_f64();
    println!("recorder, {count} outcomes, release build, one recorder process:");
    println!(
        "  new rows:        {:>8.2} s  {:>9.0} rows/s",
        first.as_secs_f64(),
        rate(first)
    );
    println!(
        "  redelivered:     {:>8.2} s  {:>9.0} rows/s (every row already there: no change)",
        again.as_secs_f64(),
        rate(again)
    );
}
