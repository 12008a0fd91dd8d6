//! The feed hub: one EventStreams connection heard for many programmes at once.
//!
//! A local server, on its own OS thread, sends `recentchange` events shaped as Wikimedia's
//! (the documented fields and the usual extra ones, about 1 KB each) at `MATCHBOT_BENCH_FEED_RATE`
//! events per second (default 500; all of Wikimedia is a few hundred), spread over 900 wikis. A
//! small share are `categorize` events into a category of one of `MATCHBOT_BENCH_FEED_PROGRAMMES`
//! programmes (default 300), each with its own wiki, 12 categories and 2 pages, as a Co-op's
//! settings name them. The hub runs in this process, first with one subscriber (3 s), then with
//! all of them for `MATCHBOT_BENCH_FEED_SECONDS` (default 20); each subscriber is a task counting
//! what it is handed.
//!
//! It prints the events heard and their rate, the CPU per event of the hub's side (the process's
//! user + system time from /proc/self/stat, minus the server thread's own from
//! /proc/self/task/<tid>/stat, so: reading the socket, parsing SSE and JSON, dispatching, and the
//! subscribers' tasks), the peak RSS, the RSS per programme (VmRSS with all subscribers minus
//! VmRSS with one, over the difference), the changes kept for some programme against those the
//! server sent for one, and the connections the hub made (it must be 1).
//!
//! Run it with `scripts/bench feed` (it needs nothing else running).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use harness::eventstreams::{EventStreams, WIKIS, thread_cpu as cpu, wiki};
use matchbot_feed::{Filter, Hub, Source};

/// Categories and pages a programme's filter names.
const CATEGORIES: usize = 12;
const PAGES: [&str; 2] = [
    "User:MatchBot/config.json",
    "Wikipedia:Co-op/Do not contact",
];

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn category(k: usize) -> String {
    format!("Category:Co-op mentors with skill {k}")
}

/// Programme `p`'s filter: its wiki (`p` modulo the wikis), its categories and pages.
fn filter(p: usize) -> Filter {
    let (wiki, server) = wiki(p % WIKIS);
    Filter {
        wiki: Some(wiki),
        server_name: Some(server),
        categories: (0..CATEGORIES).map(category).collect(),
        pages: PAGES
            .iter()
            .map(|p| (*p).to_owned())
            .collect::<BTreeSet<_>>(),
    }
}

/// A line of /proc/self/status, in kB.
fn status_kb(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").expect("/proc is readable");
    text.lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .expect("a status field")
}

#[tokio::main]
async fn main() {
    let programmes = env("MATCHBOT_BENCH_FEED_PROGRAMMES", 300).max(1) as usize;
    let rate = env("MATCHBOT_BENCH_FEED_RATE", 500);
    let seconds = env("MATCHBOT_BENCH_FEED_SECONDS", 20);
    println!(
        "feed hub: {programmes} programmes, {rate} events/s over {WIKIS} wikis, {seconds} s \
         (after 3 s with one programme)"
    );

    let served = EventStreams::start(rate, programmes, (0..CATEGORIES).map(category).collect());
    let url = served.url.clone();
    let hub = Hub::new();
    let source = Source::eventstreams(url, "MatchBot-bench/0.1 (https://example.org/matchbot)");
    let kept: Arc<Vec<AtomicU64>> = Arc::new((0..programmes).map(|_| AtomicU64::new(0)).collect());
    let subscribe = |p: usize| {
        let (hub, source, kept) = (hub.clone(), source.clone(), Arc::clone(&kept));
        async move {
            let mut sub = hub.subscribe(source, filter(p)).await.unwrap();
            tokio::spawn(async move {
                while sub.recv().await.is_some() {
                    kept[p].fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    };
    subscribe(0).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_one = status_kb("VmRSS:");

    for p in 1..programmes {
        subscribe(p).await;
    }
    let rss_all = status_kb("VmRSS:");
    let before = hub.stats(&source).unwrap();
    let sent_before = served.for_programmes();
    let (process_before, server_before) = (cpu("/proc/self/stat"), served.server_cpu());
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (process_after, server_after) = (cpu("/proc/self/stat"), served.server_cpu());
    let heard_in_window = hub.stats(&source).unwrap().heard - before.heard;
    // The server stops; what it sent last is let through before the kept changes are counted.
    served.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent_for = served.for_programmes() - sent_before;
    let after = hub.stats(&source).unwrap();

    let events = heard_in_window;
    let hub_cpu = (process_after - process_before) - (server_after - server_before);
    let rss_end = status_kb("VmRSS:");
    let with_some = kept
        .iter()
        .filter(|k| k.load(Ordering::Relaxed) > 0)
        .count();
    println!(
        "events heard:           {events} ({:.0}/s)",
        events as f64 / elapsed
    );
    println!(
        "CPU, hub side:          {hub_cpu:.2} s over {elapsed:.1} s = {:.1} µs per event ({:.1} % of a core); \
         server thread {:.2} s, not counted",
        hub_cpu * 1e6 / events.max(1) as f64,
        hub_cpu * 100.0 / elapsed,
        server_after - server_before,
    );
    println!(
        "filters checked:        {:.2} per event, of {programmes}",
        (after.checked - before.checked) as f64 / events.max(1) as f64
    );
    println!(
        "kept for a programme:   {} changes (the server sent {sent_for} a programme keeps); \
         {} dropped on a full queue; {with_some} of {programmes} programmes got one",
        after.queued - before.queued,
        after.full - before.full,
    );
    println!(
        "RSS:                    {rss_one} kB with one programme, {rss_all} kB with {programmes}, \
         {rss_end} kB at the end; peak (VmHWM) {} kB",
        status_kb("VmHWM:")
    );
    if programmes > 1 {
        let per = (rss_end.max(rss_all) as f64 - rss_one as f64) / (programmes - 1) as f64;
        println!("RSS per programme:      {per:.1} kB");
    }
    println!(
        "connections:            {} made by the hub, {} accepted by the server; {} upstream listener(s)",
        after.connections,
        served.connections(),
        hub.upstreams()
    );
}
