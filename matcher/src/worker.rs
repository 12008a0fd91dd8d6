//! The matcher's loop: read a batch of requests, read the mentor pool and the history once,
//! decide in request order, then emit the decisions, add them to the ledger and ack the
//! requests in one MULTI/EXEC, which runs only if the ledger the batch read did not change
//! meanwhile (the batch is decided again if it did): the caps hold across replicas.

use matchbot_bus::{
    Bus, BusError, Commit, Consumer, DECISIONS, Delivery, HELD_REQUESTS, OUTCOMES, REQUESTS,
};
use matchbot_config::{Config, GatesConfig, Pages};
use matchbot_model::{Decision, MentorPool, Outcome, OutcomeKind, Request, Timestamp};
use matchbot_runtime::{LiveConfig, Next, Shutdown, StageOptions, join_stage, run_stage};
use tracing::{Instrument, Span};

use crate::error::MatcherError;
use crate::gates::{self, Verdict};
use crate::history::History;
use crate::ledger;
use crate::lifecycle::{self, Rules};
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
    /// Requests the gates held (the learner does not qualify yet: handed out again later).
    pub held: usize,
    /// Requests the gates skipped (recorded as skipped, no mentor looked for).
    pub skipped: usize,
}

/// Runs the matcher until `shutdown` fires (or, with `options.once`, until nothing is waiting).
pub async fn run(
    config: &Config,
    deps: Deps,
    options: StageOptions,
    shutdown: Shutdown,
) -> Result<Summary, MatcherError> {
    let mut summary = Summary::default();
    let Deps { bus, mut requests } = deps;
    let mut live = LiveConfig::new(config.clone());
    live.refresh(&bus).await?;
    let mut settings = Settings::new(live.config());
    run_stage(
        &mut requests,
        BATCH,
        &options,
        &shutdown,
        async |requests: &Consumer<Request>, batch: &[Delivery<Request>]| {
            // A request sent under a newer settings page is decided with it.
            let wanted = batch.iter().filter_map(|e| e.payload.settings).max();
            if live.catch_up(&bus, wanted).await? {
                settings = Settings::new(live.config());
            }
            let Settings {
                policy,
                gates,
                rules,
                load_days,
                in_flight_seconds,
            } = &settings;
            let (load_days, in_flight_seconds) = (*load_days, *in_flight_seconds);
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
                let judge = Judge {
                    policy,
                    gates,
                    pages: &config.pages,
                    rules: rules.as_ref(),
                    pool: &pool,
                    load_days,
                    now,
                };
                let decided = decide(&judge, requests, batch, history).await?;
                if !watch.commit(&bus, &decided.commit).await? {
                    summary.decided_again += 1;
                    continue;
                }
                for (span, decision) in &decided.decisions {
                    span.in_scope(|| match &decision.step {
                        None => tracing::info!(
                            request = %decision.request.request_id,
                            learner = %decision.request.learner.name,
                            mentor = %decision.mentor.name,
                            match_level = decision.level.name(),
                            "decided"
                        ),
                        Some(step) => tracing::info!(
                            request = %decision.request.request_id,
                            learner = %decision.request.learner.name,
                            mentor = %decision.mentor.name,
                            step = %step.id,
                            event = %step.action.event(),
                            "decided a step of the match's life"
                        ),
                    });
                }
                summary.decided += decided.decisions.len();
                summary.dead_lettered += decided.dead_lettered;
                summary.held += decided.held;
                summary.skipped += decided.skipped;
                return Ok::<Next, MatcherError>(Next::Continue);
            }
        },
    )
    .await?;
    Ok(summary)
}

/// What the configuration in use decides with.
struct Settings {
    policy: Policy,
    gates: GatesConfig,
    /// The lifecycle's rules; `None` when matches are not followed.
    rules: Option<Rules>,
    load_days: u32,
    in_flight_seconds: u64,
}

impl Settings {
    fn new(config: &Config) -> Settings {
        Settings {
            policy: Policy::new(config),
            gates: config.gates.clone(),
            rules: config
                .lifecycle
                .as_ref()
                .map(|l| Rules::new(l, &config.matcher)),
            load_days: config.matcher.load_days,
            in_flight_seconds: config.matcher.in_flight_seconds,
        }
    }
}

/// A batch decided, and the commit that emits, records and acks it.
struct Decided {
    commit: Commit,
    /// Each decision, with the span of its request's handling.
    decisions: Vec<(Span, Decision)>,
    dead_lettered: usize,
    held: usize,
    skipped: usize,
}

/// What a batch is decided with.
struct Judge<'a> {
    policy: &'a Policy,
    /// The gates on who may be matched.
    gates: &'a GatesConfig,
    /// Where a skipped request's talk page is, for its row.
    pages: &'a Pages,
    /// The lifecycle's rules; `None` when matches are not followed.
    rules: Option<&'a Rules>,
    pool: &'a MentorPool,
    load_days: u32,
    now: Timestamp,
}

/// Decides `batch` in request order, whatever order it was delivered in (see `history`): a new
/// request gets its mentor, a request back with a checkup the next step of its match's life.
async fn decide(
    judge: &Judge<'_>,
    requests: &Consumer<Request>,
    batch: &[Delivery<Request>],
    mut history: History,
) -> Result<Decided, MatcherError> {
    let mut in_order: Vec<&Delivery<Request>> = batch.iter().collect();
    in_order.sort_by(|a, b| a.payload.order().cmp(&b.payload.order()));
    let mut decided = Decided {
        commit: requests.commit_builder(),
        decisions: Vec::new(),
        dead_lettered: 0,
        held: 0,
        skipped: 0,
    };
    for entry in in_order {
        let span = requests.process_span(entry);
        let request = &entry.payload;
        let verdict = match &request.checkup {
            None => gates::judge(judge.gates, request),
            Some(_) => Verdict::Admit(None),
        };
        let learner_gate = match verdict {
            Verdict::Admit(gate) => gate,
            Verdict::Hold { until, why } => {
                // No decision and no row: the scanner hands it out again once `until` has come,
                // with the learner's account read afresh.
                span.in_scope(|| tracing::info!(request = %request.request_id, learner = %request.learner.name, %until, gate = %why, "held by a gate until the learner qualifies"));
                let commit = &mut decided.commit;
                commit.zadd(HELD_REQUESTS, request.request_id.as_str(), until.unix());
                requests.ack(commit, &entry.id);
                decided.held += 1;
                continue;
            }
            Verdict::Skip(gate) => {
                match judge.policy.skill_name(request) {
                    Ok(skill) => {
                        let decision = gates::skipped(
                            &judge.policy.settings,
                            judge.policy.revision,
                            request,
                            judge.pool,
                            skill,
                            gate.clone(),
                        );
                        // Nothing to post and no mentor's place taken: straight to the recorder.
                        let outcome = Outcome {
                            decision: decision.clone(),
                            talk_page: judge
                                .pages
                                .talk_page_of(&request.profile.title)
                                .unwrap_or_default(),
                            kind: OutcomeKind::Skipped {
                                reason: gate.to_string(),
                            },
                            at: request.scanned_at,
                        };
                        span.in_scope(|| {
                            tracing::info!(request = %request.request_id, learner = %request.learner.name, gate = %gate, "skipped by a gate");
                            decided.commit.emit(OUTCOMES, &outcome)
                        })?;
                        requests.ack(&mut decided.commit, &entry.id);
                        decided.skipped += 1;
                    }
                    Err(refused) => {
                        requests
                            .dead_letter_in(&mut decided.commit, entry, &refused.to_string())
                            .instrument(span)
                            .await?;
                        decided.dead_lettered += 1;
                    }
                }
                continue;
            }
        };
        let decision = span.in_scope(|| match (&request.checkup, judge.rules) {
            (None, _) => judge
                .policy
                .decide(request, judge.pool, &history)
                .map(|mut decision| {
                    if let Some(explanation) = &mut decision.explanation
                        && explanation.learner_gate.is_none()
                    {
                        explanation.learner_gate = learner_gate;
                    }
                    Some(decision)
                }),
            (Some(checkup), Some(rules)) => {
                lifecycle::decide(judge.policy, rules, request, checkup, judge.pool, &history)
            }
            // This deployment follows no match: a checkup is nobody's business.
            (Some(_), None) => Ok(None),
        });
        let commit = &mut decided.commit;
        match decision {
            Ok(Some(decision)) => {
                match &decision.step {
                    None => {
                        history.record(&decision);
                        ledger::write(commit, &decision, judge.load_days, judge.now)?;
                    }
                    Some(_) => {
                        lifecycle::note(&mut history, &decision);
                        ledger::write_step(commit, &decision, judge.load_days, judge.now)?;
                    }
                }
                match decision.step.as_ref().filter(|s| s.action.is_quiet()) {
                    // Nothing to post: straight to the recorder.
                    Some(step) => {
                        let outcome = Outcome {
                            decision: decision.clone(),
                            talk_page: String::new(),
                            kind: OutcomeKind::Noted,
                            at: step.at,
                        };
                        span.in_scope(|| commit.emit(OUTCOMES, &outcome))?;
                    }
                    None => span.in_scope(|| commit.emit(DECISIONS, &decision))?,
                }
                requests.ack(commit, &entry.id);
                decided.decisions.push((span, decision));
            }
            Ok(None) => requests.ack(commit, &entry.id),
            Err(refused) => {
                requests
                    .dead_letter_in(commit, entry, &refused.to_string())
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
