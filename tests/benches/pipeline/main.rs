//! The pipeline benchmark: the four release workers against the real Redis and MariaDB and a
//! fast fake wiki holding a synthetic Co-op. Prints figures; judges nothing.
//!
//! Phases, each with a fresh fake wiki, Redis prefix, database and workers:
//! 1. throughput, notifier `--dry-run`: `REQUESTS` requests published at once, time from the
//!    first published to the last row committed;
//! 2. throughput with edits saved on the fake wiki (`LIVE` requests), after `IDLE_SECONDS` of
//!    idling that show what the workers ask the wiki when there is nothing to do;
//! 3. latency at a fixed offered load (`RATE` requests a second for `SECONDS`), per stage and
//!    end to end, in dry run and with edits;
//! 4. a backlog of `BACKLOG` requests published before the stages start, drained in dry run,
//!    with each worker's memory sampled as it drains.
//!
//! Each phase prints CPU time per request over the four workers and each worker's peak RSS.
//! Settings come from `MATCHBOT_BENCH_<NAME>` variables (see [`Settings`]). Run it with
//! `scripts/bench pipeline`, which builds the release binaries first and prints the Redis
//! ceiling (`redis-benchmark`, XADD pipelined) of the same machine.

mod backlog;
mod coop;
mod costs;
mod latency;
mod throughput;

use crate::backlog::backlog;
use crate::latency::latency;
use crate::throughput::throughput;

/// What to run, from `MATCHBOT_BENCH_*`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Mentors in the synthetic Co-op (spread over the six skills, one in six general).
    pub(crate) mentors: usize,
    /// Requests of the dry-run throughput phase.
    pub(crate) requests: usize,
    /// Requests of the throughput phase with edits.
    pub(crate) live: usize,
    /// Offered load of the latency phases, requests per second.
    pub(crate) rate: u64,
    /// How long each latency phase offers it.
    pub(crate) seconds: u64,
    /// How long the workers idle before phase 2, for the requests an idle poll costs.
    pub(crate) idle_seconds: u64,
    /// Requests of the backlog phase (0 skips it).
    pub(crate) backlog: usize,
}

impl Settings {
    fn from_env() -> Settings {
        let get = |name: &str, default: u64| {
            std::env::var(format!("MATCHBOT_BENCH_{name}"))
                .ok()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or(default)
        };
        Settings {
            mentors: get("MENTORS", 100) as usize,
            requests: get("REQUESTS", 100_000) as usize,
            live: get("LIVE", 20_000) as usize,
            rate: get("RATE", 1_000).max(1),
            seconds: get("SECONDS", 10),
            idle_seconds: get("IDLE_SECONDS", 10),
            backlog: get("BACKLOG", 1_000_000) as usize,
        }
    }
}

pub(crate) const WORKERS: [&str; 4] = [
    "matchbot-scanner",
    "matchbot-matcher",
    "matchbot-notifier",
    "matchbot-recorder",
];

#[tokio::main]
async fn main() {
    let settings = Settings::from_env();
    println!("MatchBot pipeline benchmark: {settings:?}");
    // The Redis and MariaDB every run of the harness uses (config.example.json's).
    println!(
        "{}",
        harness::machine::describe("redis://127.0.0.1:6379/", 3306).await
    );
    println!(
        "synthetic Co-op: {} mentors over six skills; learners spread over six request categories",
        settings.mentors
    );
    if settings.requests > 0 {
        throughput(settings, true, settings.requests).await;
    }
    if settings.live > 0 {
        throughput(settings, false, settings.live).await;
    }
    if settings.seconds > 0 {
        latency(settings, true).await;
        latency(settings, false).await;
    }
    if settings.backlog > 0 {
        backlog(settings).await;
    }
}
