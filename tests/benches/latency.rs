//! Latency: from a learner's edit saved on the real MediaWiki to the greeting saved, with the
//! four workers running as in production, first with a 1 s poll, then with push intake (the
//! sandbox wiki's RCFeed waking the scanner). Prints the median and the 90th percentile of each.
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

/// How the scanner hears of a request in one phase of the benchmark.
#[derive(Clone, Copy)]
enum Intake {
    /// A watchlist poll every second.
    Poll,
    /// The sandbox wiki's RCFeed (UDP, `scripts/sandbox up`), with the default heartbeat.
    Push,
}

impl Intake {
    fn name(self) -> &'static str {
        match self {
            Intake::Poll => "1 s poll",
            Intake::Push => "push intake (the wiki's RCFeed, default heartbeat)",
        }
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let samples: usize = std::env::var("MATCHBOT_BENCH_SAMPLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let wiki = Wiki::sandbox().await;
    for intake in [Intake::Poll, Intake::Push] {
        let mut latencies = measure(&wiki, intake, samples).await;
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
        let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
        println!(
            "latency, learner's edit saved → greeting saved ({samples} learners, {}, real MediaWiki):",
            intake.name()
        );
        println!("  median {}", secs(at(0.5)));
        println!("  p90    {}", secs(at(0.9)));
        println!("  min    {}", secs(latencies[0]));
        println!("  max    {}", secs(latencies[latencies.len() - 1]));
    }
}

/// The latency of `samples` learners' requests, one after another, with the four workers
/// hearing of them by `intake`.
async fn measure(wiki: &Wiki, intake: Intake, samples: usize) -> Vec<Duration> {
    let run = Run::with_maintainer("latency", wiki).await;
    run.use_own_categories();
    run.adjust(|c| {
        c["scanner"]["poll_seconds"] = json!(1);
        // Every learner here is Ken: his requests are not one request, nor too many open.
        c["scanner"]["request_cooldown_seconds"] = json!(0.001);
        c["scanner"]["max_open_requests"] = json!(1000);
        c["notifier"]["run_page_check_seconds"] = json!(60);
        if let Intake::Push = intake {
            c["scanner"]["push"] = json!({ "rcfeed": "udp://127.0.0.1:9390" });
        }
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

    latencies
}
