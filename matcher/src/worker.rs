//! The matcher's loop: read a batch of requests, read the mentor pool and the history once,
//! decide in request order, then emit the decisions, add them to the ledger and ack the
//! requests in one MULTI/EXEC, which runs only if the ledger the batch read did not change
//! meanwhile (the batch is decided again if it did): the caps hold across replicas.

use matchbot_bus::{Bus, BusError, Commit, Consumer, DECISIONS, Delivery, REQUESTS};
use matchbot_config::Config;
use matchbot_model::{Decision, MentorPool, Request, Timestamp};
use matchbot_runtime::{Next, Shutdown, StageOptions, join_stage, run_stage};
use tracing::{Instrument, Span};

use crate::error::MatcherError;
use crate::history::History;
use crate::ledger;
use crate::policy::Policy;

/// How many requests are decided per batch.
const BATCH: usize = 32;

/// What the matcher runs on: the bus, and its place in the matcher's consumer group.
pub struct Deps {
    /// The bus the pool, the ledger and the decisions are on.
    pub bus: Bus,
    /// The matcher's reader of the requests stream.
    pub requests: Consumer<Request>,
}

impl Deps {
    /// Connects to the bus and joins the matcher's group as `options.consumer`, waiting out an
    /// outage; `None` if `shutdown` came first.
    pub async fn connect(
        config: &Config,
        options: &StageOptions,
        shutdown: &Shutdown,
    ) -> Result<Option<Deps>, MatcherError> {
        let joined = join_stage(&config.redis, REQUESTS, options, shutdown).await?;
        Ok(joined.map(|(bus, requests)| Deps { bus, requests }))
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Decisions emitted.
    pub decided: usize,
    /// Requests that could not be decided and went to the dead-letter stream.
    pub dead_lettered: usize,
    /// Batches decided again because another matcher changed the ledger under them.
    pub decided_again: usize,
}

/// Runs the matcher until `shutdown` fires (or, with `options.once`, until nothing is waiting).
pub async fn run(
    config: &Config,
    deps: Deps,
    options: StageOptions,
    shutdown: Shutdown,
) -> Result<Summary, MatcherError> {
    let policy = Policy::new(config);
    let load_days = config.matcher.load_days;
    let in_flight_seconds = config.matcher.in_flight_seconds;
    let mut summary = Summary::default();
    let Deps { bus, mut requests } = deps;
    run_stage(
        &mut requests,
        BATCH,
        &options,
        &shutdown,
        async |requests: &Consumer<Request>, batch: &[Delivery<Request>]| {
            // Decided against the ledger as it is, and committed only if no other matcher
            // (or notifier) changed the loads and learners the decisions read meanwhile;
            // otherwise decided again on what it holds then.
            loop {
                // One pool for the whole batch, read after the requests: the scanner wrote it
                // in the same transaction as the newest of them, or later.
                let pool = read_pool(&bus).await?;
                let now = Timestamp::now();
                ledger::expire_in_flight(&bus, now, in_flight_seconds).await?;
                let watch = bus.watch(&ledger::keys(&pool, batch)).await?;
                let history = ledger::read(&bus, &pool, batch, load_days).await?;
                let decided =
                    decide(&policy, requests, batch, &pool, history, load_days, now).await?;
                if !watch.commit(&bus, &decided.commit).await? {
                    summary.decided_again += 1;
                    continue;
                }
                for (span, decision) in &decided.decisions {
                    span.in_scope(|| {
                        tracing::info!(
                            request = %decision.request.request_id,
                            learner = %decision.request.learner.name,
                            mentor = %decision.mentor.name,
                            match_level = decision.level.name(),
                            "decided"
                        )
                    });
                }
                summary.decided += decided.decisions.len();
                summary.dead_lettered += decided.dead_lettered;
                return Ok::<Next, MatcherError>(Next::Continue);
            }
        },
    )
    .await?;
    Ok(summary)
}

/// A batch decided, and the commit that emits, records and acks it.
struct Decided {
    commit: Commit,
    /// Each decision, with the span of its request's handling.
    decisions: Vec<(Span, Decision)>,
    dead_lettered: usize,
}

/// Decides `batch` in request order, whatever order it was delivered in (see `history`).
async fn decide(
    policy: &Policy,
    requests: &Consumer<Request>,
    batch: &[Delivery<Request>],
    pool: &MentorPool,
    mut history: History,
    load_days: u32,
    now: Timestamp,
) -> Result<Decided, MatcherError> {
    let mut in_order: Vec<&Delivery<Request>> = batch.iter().collect();
    in_order.sort_by(|a, b| a.payload.order().cmp(&b.payload.order()));
    let mut decided = Decided {
        commit: requests.commit_builder(),
        decisions: Vec::new(),
        dead_lettered: 0,
    };
    for entry in in_order {
        let span = requests.process_span(entry);
        match span.in_scope(|| policy.decide(&entry.payload, pool, &history)) {
            Ok(decision) => {
                history.record(&decision);
                let commit = &mut decided.commit;
                ledger::write(commit, &decision, load_days, now)?;
                span.in_scope(|| commit.emit(DECISIONS, &decision))?;
                requests.ack(commit, &entry.id);
                decided.decisions.push((span, decision));
            }
            Err(refused) => {
                requests
                    .dead_letter_in(&mut decided.commit, entry, &refused.to_string())
                    .instrument(span)
                    .await?;
                decided.dead_lettered += 1;
            }
        }
    }
    Ok(decided)
}

/// The pool the scanner last wrote; a missing or unreadable one is waited out.
async fn read_pool(bus: &Bus) -> Result<MentorPool, MatcherError> {
    match bus.mentor_pool().await {
        Ok(Some(pool)) => Ok(pool),
        Ok(None) => Err(MatcherError::NoPool),
        Err(BusError::Corrupt { source, .. }) => Err(MatcherError::BadPool(source)),
        Err(BusError::Forged { why, .. }) => Err(MatcherError::ForgedPool(why)),
        Err(e) => Err(e.into()),
    }
}
