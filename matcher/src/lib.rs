//! MatchBot's matcher: reads requests, picks a mentor for each, emits decisions.
//!
//! # Layout
//!
//! - `policy`: the pure matching policy (no I/O), deterministic given a seed.
//! - `history`: earlier assignments as plain data (loads, a learner's mentors).
//! - `ledger`: the history's keys in Redis.
//! - this file: the worker loop — read a batch of requests, read the mentor pool and the
//!   history once, decide in request order, then emit the decisions, add them to the ledger
//!   and ack the requests in one MULTI/EXEC.

pub mod history;
pub mod ledger;
pub mod policy;

use matchbot_bus::{Bus, BusError, Consumer, Delivery, MENTOR_POOL, Stream};
use matchbot_config::{Config, MentorPool, Request};
use matchbot_runtime::{Shutdown, StageOptions, Transient, join_stage, run_stage};
use redis::AsyncCommands;
use tracing::Instrument;

pub use history::{History, Place};
pub use policy::{Policy, PolicyError};

/// The consumer group of this stage.
pub const STAGE: &str = "matcher";

/// How many requests are decided per batch.
const BATCH: usize = 32;

/// What went wrong, beyond one request.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// The scanner has not written a mentor pool yet (or Redis lost it).
    #[error("no mentor pool in Redis yet: the scanner writes it before its first request")]
    NoPool,
    /// The stored mentor pool is not readable (a scanner of another version wrote it?).
    #[error("the mentor pool in Redis is not valid: {0}")]
    BadPool(serde_json::Error),
}

impl Transient for MatcherError {
    /// A missing or unreadable pool is waited out: the scanner writes a new one at its next
    /// reconcile (`scanner.reconcile_seconds`, and at start), and deciding without one would
    /// dead-letter every request.
    fn is_transient(&self) -> bool {
        match self {
            MatcherError::Bus(e) => e.is_transient(),
            MatcherError::NoPool | MatcherError::BadPool(_) => true,
        }
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Decisions emitted.
    pub decided: usize,
    /// Requests that could not be decided and went to the dead-letter stream.
    pub dead_lettered: usize,
}

/// Runs the matcher until `shutdown` fires (or, with `once`, until nothing is waiting).
pub async fn run(
    config: &Config,
    options: StageOptions,
    shutdown: Shutdown,
) -> Result<Summary, MatcherError> {
    let policy = Policy::new(config);
    let load_days = config.matcher.load_days;
    let mut summary = Summary::default();
    let Some((bus, mut requests)) =
        join_stage(&config.redis, Stream::Requests, STAGE, &options, &shutdown).await?
    else {
        return Ok(summary);
    };
    run_stage(
        &mut requests,
        BATCH,
        &options,
        &shutdown,
        async |requests: &Consumer, batch: &[Delivery<Request>]| {
            // One pool for the whole batch, read after the requests: the scanner wrote it in
            // the same transaction as the newest of them, or later.
            let pool = read_pool(&bus).await?;
            let mut history = ledger::read(&bus, &pool, batch, load_days).await?;
            // In request order, whatever order they were delivered in (see `history`).
            let mut in_order: Vec<&Delivery<Request>> = batch.iter().collect();
            in_order.sort_by(|a, b| a.payload.order().cmp(&b.payload.order()));
            let mut commit = requests.commit_builder();
            let (mut decided, mut dead_lettered) = (0, 0);
            for entry in in_order {
                let span = requests.process_span(entry);
                let decided_one =
                    span.in_scope(|| match policy.decide(&entry.payload, &pool, &history) {
                        Ok(decision) => {
                            history.record(&decision);
                            ledger::write(&mut commit, &decision, load_days)?;
                            tracing::info!(
                                request = %decision.request.request_id,
                                learner = %decision.request.learner.name,
                                mentor = %decision.mentor.name,
                                match_level = decision.level.name(),
                                "decided"
                            );
                            commit.emit(Stream::Decisions, &decision)?;
                            requests.ack(&mut commit, &entry.id);
                            Ok::<_, MatcherError>(None)
                        }
                        Err(e) => Ok(Some(e)),
                    })?;
                match decided_one {
                    None => decided += 1,
                    Some(refused) => {
                        requests
                            .dead_letter_in(&mut commit, entry, &refused.to_string())
                            .instrument(span)
                            .await?;
                        dead_lettered += 1;
                    }
                }
            }
            bus.commit(commit).await?;
            summary.decided += decided;
            summary.dead_lettered += dead_lettered;
            Ok::<(), MatcherError>(())
        },
    )
    .await?;
    Ok(summary)
}

async fn read_pool(bus: &Bus) -> Result<MentorPool, MatcherError> {
    let mut conn = bus.connection();
    let json: Option<String> = conn
        .get(bus.key(MENTOR_POOL))
        .await
        .map_err(BusError::from)?;
    let json = json.ok_or(MatcherError::NoPool)?;
    serde_json::from_str(&json).map_err(MatcherError::BadPool)
}
