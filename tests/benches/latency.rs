//! Latency: from a learner's edit saved on the real MediaWiki to the greeting saved, with the
//! four workers running as in production and a 1 s poll. Prints the median and the 90th
//! percentile; the aim is under 3 s median.
//!
//! Run it with `scripts/bench latency` (it builds the release binaries first). The sandbox wiki
//! must be up (`scripts/sandbox up`). `MATCHBOT_BENCH_SAMPLES` sets the number of learners
//! (default 20).

use std::time::{Duration, Instant};

use harness::{Run, Wiki};
use redis::AsyncCommands;
use redis::streams::{StreamReadOptions, StreamReadReply};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let samples: usize = std::env::var("MATCHBOT_BENCH_SAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("latency", &wiki).await;
    run.use_own_categories();
    run.adjust(|c| {
        c["scanner"]["poll_seconds"] = json!(1);
        c["notifier"]["run_page_check_seconds"] = json!(60);
    });
    let (writing, mentors) = (run.category(WRITING), run.category(WRITING_MENTORS));
    wiki.edit_as("Ada", &run.profile("Ada"), &format!("[[{mentors}]]"))
        .await;
    let workers = run.spawn_pipeline();
    run.wait_until("the first reconcile", Duration::from_secs(60), || async {
        workers[0].log().contains("\"reconciled\"")
    })
    .await;
    wiki.wait_for_jobs().await;

    let mut redis = run.redis().await;
    let outcomes = run.key("outcomes");
    let mut last_id = "$".to_owned();
    let mut latencies = Vec::new();
    for i in 0..samples {
        let profile = run.profile(&format!("Learner {i}"));
        wiki.edit_as("Ken", &profile, &format!("[[{writing}]]"))
            .await;
        let saved = Instant::now();
        // The notifier emits the outcome right after the wiki saved the greeting.
        let deadline = saved + Duration::from_secs(60);
        let greeted = loop {
            assert!(
                Instant::now() < deadline,
                "learner {i} not greeted within 60 s"
            );
            // Under the connection's 500 ms response timeout.
            let options = StreamReadOptions::default().block(300).count(10);
            let reply: StreamReadReply = redis
                .xread_options(&[&outcomes], &[&last_id], &options)
                .await
                .expect("read the outcomes stream");
            let entries: Vec<_> = reply.keys.into_iter().flat_map(|k| k.ids).collect();
            if let Some(last) = entries.last() {
                last_id = last.id.clone();
            }
            if entries.iter().any(|e| {
                e.map
                    .values()
                    .any(|v| matches!(v, redis::Value::BulkString(b) if String::from_utf8_lossy(b).contains(&profile)))
            }) {
                break Instant::now();
            }
        };
        latencies.push(greeted - saved);
        // Start the next one at a different point of the poll cycle.
        tokio::time::sleep(Duration::from_millis(137 * (i as u64 % 7))).await;
    }
    for worker in workers {
        worker.stop().await;
    }

    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    println!(
        "latency, learner's edit saved → greeting saved ({samples} learners, 1 s poll, real MediaWiki):"
    );
    println!("  median {}", secs(at(0.5)));
    println!("  p90    {}", secs(at(0.9)));
    println!("  min    {}", secs(latencies[0]));
    println!("  max    {}", secs(latencies[latencies.len() - 1]));
}
