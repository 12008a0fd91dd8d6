//! The test harness: a per-test corner of the sandbox wiki, its own Redis prefix and MySQL
//! database, and the real MatchBot binaries.
//!
//! Each [`Run`] gets a unique tag; its profiles live under `Wikipedia:Co-op-<tag>`, so tests
//! (and the sandbox's own Co-op under `Wikipedia:Co-op`) never see each other's learners, though
//! they share the wiki, its users and its categories. The wiki must be up (`scripts/sandbox up`);
//! a test that cannot reach it fails, it never skips.

//!
//! # Layout
//!
//! - `run`: a [`Run`] and the binaries it starts; `rows` and `streams`: what a test reads of
//!   its database and its Redis.
//! - `sandbox`: the sandbox's real wiki, read and edited as a person would.
//! - `fake_wiki`: a fake MediaWiki for what the real one cannot do on demand.
//! - `services`: a Redis and a MariaDB of a test's own, to restart at will.
//! - `collector`, `proxy`, `process`, `outcomes`: a fake OTLP collector, a counting proxy,
//!   process figures for the benchmarks, synthetic outcomes; `eventstreams`: a local
//!   EventStreams for the benchmarks; `machine`: what a benchmark ran on.

pub mod collector;
pub mod eventstreams;
pub mod fake_wiki;
mod flow;
pub mod machine;
pub mod outcomes;
pub mod process;
pub mod proxy;
mod rows;
mod run;
mod sandbox;
pub mod services;
mod streams;

pub use flow::{FlowSession, FlowTopic};
pub use rows::Row;
pub use run::{Run, Worker, write_signing_key};
pub use sandbox::{
    TEST_USER_PASSWORD, WIKI, WIKI2, Wiki, api_url, second_api_url, second_site, second_wiki_dir,
    site, wiki_dir,
};

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The path of a workspace binary, next to this test's own target directory.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (cargo build --workspace)",
        path.display()
    );
    path
}

/// MatchBot's BotPassword login, as `config.example.json` (and so every [`Run`]) has it.
pub const BOT_LOGIN: &str = "MatchBot@matchbot";
/// Its password.
pub const BOT_PASSWORD: &str = "abcdefghijklmnopqrstuvw012345678";

/// Gives a fake wiki MatchBot's account and its run page saying `true`, as `scripts/sandbox up`
/// does on the sandbox.
pub fn add_matchbot(wiki: &fake_wiki::FakeWiki) {
    wiki.add_bot(BOT_LOGIN, BOT_PASSWORD);
    wiki.edit("MatchBot", "User:MatchBot/Run", "true");
}

/// The shipped example configuration, as a test in this process reads it: it needs a signing
/// key, which only the environment or a file gives, so one is given here.
pub fn example_config() -> matchbot_config::Config {
    matchbot_config::Config::from_json(
        include_str!("../../config.example.json"),
        std::path::Path::new("config.example.json"),
        |name| (name == "MATCHBOT_SIGNING_KEY").then(|| "k".repeat(32)),
    )
    .expect("the example is valid")
}

/// Sends SIGTERM to `child`, as Toolforge and Kubernetes stop a job. False when it had already
/// exited or the signal could not be sent.
pub fn sigterm(child: &tokio::process::Child) -> bool {
    child.id().is_some_and(|pid| {
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (civil-from-days, so no date crate is needed).
/// The machine's time now, as `--since` takes it.
pub fn now_string() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    time_string(now.as_secs())
}

pub(crate) fn time_string(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_string_is_iso_utc() {
        assert_eq!(super::time_string(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::time_string(1_795_269_127), "2026-11-21T13:52:07Z");
    }
}
