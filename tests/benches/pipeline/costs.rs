//! What a phase cost: CPU and memory per worker, Redis and MariaDB CPU, API requests.

use std::collections::BTreeMap;
use std::time::Duration;

use harness::Worker;
use harness::fake_wiki::FakeWiki;
use harness::process::{self, Usage, mib};

/// Each worker's usage now.
pub(crate) fn usage(workers: &[(String, Worker)]) -> Vec<Usage> {
    workers
        .iter()
        .map(|(_, w)| process::usage(w.pid()).unwrap_or_default())
        .collect()
}

/// Prints each worker's CPU between `before` and `after` and its peak RSS, and the total CPU
/// per request.
pub(crate) fn print_costs(
    workers: &[(String, Worker)],
    before: &[Usage],
    after: &[Usage],
    requests: u64,
) {
    let mut total = Duration::ZERO;
    for (((name, _), b), a) in workers.iter().zip(before).zip(after) {
        let cpu = a.cpu.saturating_sub(b.cpu);
        total += cpu;
        println!(
            "    {name:<18} CPU {:>8.2} s  {:>7.1} µs/request   RSS now {:>6.1} MiB, peak {:>6.1} MiB",
            cpu.as_secs_f64(),
            per_request(cpu, requests),
            mib(a.rss),
            mib(a.peak_rss),
        );
    }
    println!(
        "    all four workers   CPU {:>8.2} s  {:>7.1} µs/request",
        total.as_secs_f64(),
        per_request(total, requests)
    );
}

pub(crate) fn per_request(cpu: Duration, requests: u64) -> f64 {
    cpu.as_secs_f64() * 1e6 / requests.max(1) as f64
}

/// CPU used by the Redis and MariaDB servers, for saying what limits a figure.
#[derive(Clone, Copy)]
pub(crate) struct Servers {
    pub(crate) redis: Duration,
    pub(crate) mariadb: Duration,
    pub(crate) bench: Duration,
}

/// The servers' CPU so far: Redis's from `INFO cpu`, MariaDB's from the `/proc` entry of the
/// process listening on `db_port`. Without that process the figures would leave out a third
/// of the CPU a request costs, so the benchmark stops and says so.
pub(crate) async fn servers(
    redis: &mut redis::aio::MultiplexedConnection,
    db_port: u16,
) -> Servers {
    let info: String = redis::cmd("INFO")
        .arg("cpu")
        .query_async(redis)
        .await
        .unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let redis = Duration::from_secs_f64(field("used_cpu_user:") + field("used_cpu_sys:"));
    let mariadb = process::listening_on(db_port)
        .and_then(process::usage)
        .unwrap_or_else(|| {
            panic!(
                "no process of this machine that this benchmark may look into listens on \
                 MariaDB's port {db_port}: its CPU cannot be counted (run as the server's user \
                 or root, on the server's machine)"
            )
        })
        .cpu;
    Servers {
        redis,
        mariadb,
        bench: process::own_cpu(),
    }
}

pub(crate) fn print_servers(before: Servers, after: Servers, requests: u64) {
    let line = |name: &str, b: Duration, a: Duration| {
        let cpu = a.saturating_sub(b);
        println!(
            "    {name:<18} CPU {:>8.2} s  {:>7.1} µs/request",
            cpu.as_secs_f64(),
            per_request(cpu, requests)
        );
    };
    line("redis-server", before.redis, after.redis);
    line("mariadbd", before.mariadb, after.mariadb);
    line("this bench+fake wiki", before.bench, after.bench);
}

/// How many requests of each kind the fake wiki received since `before`.
pub(crate) fn api_since(
    wiki: &FakeWiki,
    before: &BTreeMap<String, usize>,
) -> BTreeMap<String, usize> {
    wiki.requests()
        .into_iter()
        .map(|(k, n)| {
            let was = before.get(&k).copied().unwrap_or(0);
            (k, n - was)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

pub(crate) fn print_api(label: &str, counts: &BTreeMap<String, usize>, per: u64) {
    let total: usize = counts.values().sum();
    println!(
        "    API requests {label}: {:.3} ({total} in all)",
        total as f64 / per.max(1) as f64
    );
    for (kind, n) in counts {
        println!("      {kind:<28} {n}");
    }
}
