//! MatchBot's integration tests: one binary, so the workspace links its test code once. Each
//! module tests through the real binaries or the real services what its one line says; the
//! harness (the `harness` crate beside this file) runs them.
//!
//! Run one group with `cargo test -p matchbot-tests --test integration <module>`, e.g.
//! `... -- e2e::budget --nocapture`.

/// The MediaWiki client's etiquette, against the fake wiki (what a real wiki cannot do on demand).
mod client;
/// docker-compose.yml brought up for real, with images built here: greeting, scaling, crashes.
mod compose;
/// A refused configuration: exit status 2 from every binary, no secret shown.
mod config;
/// The deployment files: docker-compose.yml with its collector, jobs.yaml with the Procfile.
mod deploy;
/// The four real binaries against the real Redis, MariaDB and the sandbox's real MediaWiki.
mod e2e;
/// Nothing lost, nothing doubled, through crashes and restarts of every part.
mod fault;
/// Hostile answers from the wiki and hostile decisions, in-process against the fake wiki.
mod hostile;
/// The four workers run in-process, each handed its connected parts and a shutdown future.
mod inprocess;
/// The workspace's shape: file sizes, module rings, crate dependencies, references.
mod layout;
/// A month of one match replayed through the binaries with a stepped clock, against golden files.
mod lifecycle_replay;
/// The limits a bot approvals group asks for: the daily edit cap.
mod limits;
/// The matcher binary while the mentor pool changes under it.
mod matcher;
/// Greetings on Flow boards, through the real binaries against the fake wiki.
mod notifier;
/// One worker process serving many programmes: what it holds open.
mod programmes;
/// The scanner hearing an EventStreams-shaped feed: woken, resumed after a cut, nothing lost.
mod push;
/// The recorder binary: rows, batches, redelivery, dead letters.
mod recorder;
/// One test per defect of the original MatchBot, named after it.
mod regression;
/// A recorded requests stream replayed through the real stages, against golden files.
mod replay;
/// `matchbot report`'s figures on a known data set.
mod report;
/// Several replicas of a stage: one scanner scans, matchers keep the caps together.
mod scaling;
/// The scanner binary on a fake wiki with a clock the test moves: re-emits, its cost.
mod scanner;
/// No secret reaches a log line or an error message.
mod secrets;
/// What a stranger writing to the shared Redis changes: nothing.
mod shared_redis;
