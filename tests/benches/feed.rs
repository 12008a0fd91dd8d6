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
use std::io::{BufWriter, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use matchbot_feed::{Filter, Hub, Source};

/// Wikis the stream's changes are spread over.
const WIKIS: usize = 900;
/// Categories and pages a programme's filter names.
const CATEGORIES: usize = 12;
const PAGES: [&str; 2] = [
    "User:MatchBot/config.json",
    "Wikipedia:Co-op/Do not contact",
];
/// Clock ticks per second in /proc (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn wiki(n: usize) -> (String, String) {
    (format!("w{n:03}wiki"), format!("w{n:03}.wikipedia.org"))
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

/// A small deterministic generator (xorshift), so each run sends the same stream.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The server's counters, read by the benchmark.
#[derive(Default)]
struct Served {
    events: AtomicU64,
    /// Events a programme's filter keeps, as sent.
    for_programmes: AtomicU64,
    connections: AtomicU64,
    stop: AtomicBool,
}

/// One event, about 1 KB like Wikimedia's, and whether a programme keeps it.
fn event(n: u64, dice: &mut Dice, programmes: usize) -> (String, bool) {
    let roll = dice.below(1000);
    let (w, kind, title, kept) = if roll < 20 {
        // 2 %: a page put in one of a programme's categories.
        let p = dice.below(programmes);
        (
            p % WIKIS,
            "categorize",
            category(dice.below(CATEGORIES)),
            true,
        )
    } else if roll < 120 {
        let t = format!("Category:Living people {}", dice.below(5000));
        (dice.below(WIKIS), "categorize", t, false)
    } else if roll < 170 {
        (
            dice.below(WIKIS),
            "log",
            format!("User:Someone {}", dice.below(9999)),
            false,
        )
    } else {
        let t = format!("Some article {}", dice.below(1_000_000));
        (dice.below(WIKIS), "edit", t, false)
    };
    // A programme's categories on a wiki no programme has are kept by none.
    let kept = kept && w < programmes;
    let (wiki, server) = wiki(w);
    let namespace = if kind == "categorize" { 14 } else { 0 };
    let url = title.replace(' ', "_");
    let data = format!(
        r#"{{"$schema":"/mediawiki/recentchange/1.0.0","meta":{{"uri":"https://{server}/wiki/{url}","request_id":"9f0c8e2a-{n:012}","id":"5b7e6a0c-8c2e-4f43-9d6a-{n:012}","dt":"2026-12-03T10:00:00Z","domain":"{server}","stream":"mediawiki.recentchange","topic":"eqiad.mediawiki.recentchange","partition":0,"offset":{offset}}},"id":{id},"type":"{kind}","namespace":{namespace},"title":"{title}","title_url":"https://{server}/wiki/{url}","comment":"Copyedit: tightened the prose of the lead, fixed two citations and a broken link","timestamp":1796292000,"user":"Editor {user}","bot":false,"notify_url":"https://{server}/w/index.php?diff={rev}&oldid={old}","minor":false,"patrolled":true,"length":{{"old":10234,"new":10311}},"revision":{{"old":{old},"new":{rev}}},"server_url":"https://{server}","server_name":"{server}","server_script_path":"/w","wiki":"{wiki}","parsedcomment":"Copyedit: tightened the prose of the lead, fixed two citations and a <a href=\"/wiki/Help:Link\" title=\"Help:Link\">broken link</a>"}}"#,
        offset = 5_123_456_000 + n,
        id = 1_700_000_000 + n,
        user = dice.below(100_000),
        rev = 1_200_000_000 + n,
        old = 1_199_999_000 + n,
    );
    let frame = format!(
        "event: message\nid: [{{\"topic\":\"eqiad.mediawiki.recentchange\",\"partition\":0,\"offset\":{}}}]\ndata: {data}\n\n",
        5_123_456_000 + n
    );
    (frame, kept)
}

/// Serves the stream to each connection in turn, at `rate` events per second, until stopped.
fn serve(listener: TcpListener, rate: u64, programmes: usize, served: Arc<Served>) {
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut n = 0u64;
    while !served.stop.load(Ordering::Relaxed) {
        let Ok((mut socket, _)) = listener.accept() else {
            continue;
        };
        served.connections.fetch_add(1, Ordering::Relaxed);
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(k) => head.extend_from_slice(&buffer[..k]),
            }
        }
        let mut out = BufWriter::with_capacity(256 * 1024, socket);
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n:ok\n\n";
        if out
            .write_all(ok.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            continue;
        }
        let started = Instant::now();
        let mut sent = 0u64;
        while !served.stop.load(Ordering::Relaxed) {
            let due = (started.elapsed().as_secs_f64() * rate as f64) as u64;
            let mut failed = false;
            while sent < due && !failed {
                let (frame, kept) = event(n, &mut dice, programmes);
                failed = out.write_all(frame.as_bytes()).is_err();
                n += 1;
                sent += 1;
                served.events.fetch_add(1, Ordering::Relaxed);
                served
                    .for_programmes
                    .fetch_add(u64::from(kept), Ordering::Relaxed);
            }
            if failed || out.flush().is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// This process's user + system CPU seconds, or one thread's.
fn cpu(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).expect("/proc is readable");
    // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
    let after = &text[text.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / TICKS
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

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/v2/stream/recentchange",
        listener.local_addr().unwrap()
    );
    let served = Arc::new(Served::default());
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let serving = Arc::clone(&served);
    std::thread::spawn(move || {
        // "<pid>/task/<tid>": where this thread's own CPU time is read.
        let own = std::fs::read_link("/proc/thread-self").unwrap();
        tid_tx
            .send(format!("/proc/{}/stat", own.display()))
            .unwrap();
        serve(listener, rate, programmes, serving);
    });
    let server_stat = tid_rx.recv().unwrap();

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
    let sent_before = served.for_programmes.load(Ordering::Relaxed);
    let (process_before, server_before) = (cpu("/proc/self/stat"), cpu(&server_stat));
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (process_after, server_after) = (cpu("/proc/self/stat"), cpu(&server_stat));
    let heard_in_window = hub.stats(&source).unwrap().heard - before.heard;
    // The server stops; what it sent last is let through before the kept changes are counted.
    served.stop.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent_for = served.for_programmes.load(Ordering::Relaxed) - sent_before;
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
        served.connections.load(Ordering::Relaxed),
        hub.upstreams()
    );
}
