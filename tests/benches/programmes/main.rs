//! Many programmes in one deployment: the four release workers serving `PROGRAMMES` programmes
//! (default 300), each on a fake wiki of its own, woken by one EventStreams-shaped stream at
//! `RATE` events a second (default 500: all of Wikimedia's recentchange is a few hundred) spread
//! over 900 wikis. Prints figures; judges nothing.
//!
//! Two phases, each with fresh fake wikis, Redis prefix, database and workers: one programme,
//! then all of them. In each, learners ask for help at `LEARNERS` a second over the programmes
//! in turn (one programme: one every 12 s), each putting their profile in a request category on
//! their programme's wiki, which the stream then reports, for `SECONDS` (default 30). The
//! notifier keeps the default etiquette: ten seconds between two edits on one wiki.
//!
//! Each phase prints the events sent and those a programme's filter keeps, the learners greeted
//! and tag → greeting saved (median, p90), and for each worker its CPU per event, per greeting
//! and as a share of a core, its RSS, and the Redis and MariaDB connections the four hold. The
//! end prints what one more programme costs each worker. Settings come from
//! `MATCHBOT_BENCH_PROGRAMMES_<NAME>` variables (`MATCHBOT_BENCH_PROGRAMMES` for the count).
//! Run it with `scripts/bench programmes` (it needs Redis and MariaDB, not the sandbox wiki).

mod phase;

use crate::phase::{Figures, phase};

/// What to run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) programmes: usize,
    /// Stream events per second.
    pub(crate) rate: u64,
    /// Learners asking per second, over all programmes.
    pub(crate) learners: f64,
    pub(crate) seconds: u64,
}

impl Settings {
    fn from_env() -> Settings {
        let get = |name: &str, default: u64| {
            let name = match name {
                "" => "MATCHBOT_BENCH_PROGRAMMES".to_owned(),
                _ => format!("MATCHBOT_BENCH_PROGRAMMES_{name}"),
            };
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            programmes: get("", 300).max(2) as usize,
            rate: get("RATE", 500),
            learners: get("LEARNERS", 5).max(1) as f64,
            seconds: get("SECONDS", 30).max(5),
        }
    }
}

#[tokio::main]
async fn main() {
    let settings = Settings::from_env();
    println!("MatchBot programmes benchmark: {settings:?}");
    // The Redis and MariaDB every run of the harness uses (config.example.json's).
    println!(
        "{}",
        harness::machine::describe("redis://127.0.0.1:6379/", 3306).await
    );
    let one = phase(Settings {
        programmes: 1,
        learners: 1.0 / 12.0,
        ..settings
    })
    .await;
    let all = phase(settings).await;
    grows(&one, &all, settings.programmes);
}

/// What one more programme costs: the difference between the phases over the difference in
/// programmes.
fn grows(one: &Figures, all: &Figures, programmes: usize) {
    let more = (programmes - 1) as f64;
    println!("what each programme more costs ({programmes} against 1):");
    for (name, (a, b)) in phase::WORKERS.iter().zip(one.rss.iter().zip(&all.rss)) {
        println!(
            "    {name:<18} RSS {:>6.1} kB",
            (*b as f64 - *a as f64) / 1024.0 / more
        );
    }
    println!(
        "    all four workers   Redis connections {:.2}, MariaDB connections {:.2}, stream connections {}",
        (all.redis_connections as f64 - one.redis_connections as f64) / more,
        (all.db_connections as f64 - one.db_connections as f64) / more,
        all.stream_connections,
    );
}
