//! The history's home in Redis: read before a batch, written in the batch's own commit.
//!
//! - `matcher:load:<mentor user id>`: a sorted set of the request ids the mentor got, scored by
//!   when the category was added. Entries older than the load window (and a day) are trimmed.
//!   An assignment is in it while its greeting is in flight and once it is posted: the
//!   notifier's outcome commit ([`settle`]) takes out one skipped, refused or dry-run, and puts
//!   back one posted after its time in flight ran out.
//! - `matcher:in-flight`: a sorted set of `<mentor id> <request id>`, the assignments whose
//!   outcome is not known yet, scored by when they were decided (Unix seconds). One decided more
//!   than `matcher.in_flight_seconds` ago stops counting ([`expire_in_flight`]).
//! - `matcher:learner:<profile id>`: a hash of request id → `{"mentor", "category", "added",
//!   "decision"}`, the mentors a learner got and the decisions emitted, kept for the load window
//!   after its last change.
//!
//! Being written in the same MULTI/EXEC as the decisions and the acks, the ledger holds exactly
//! the decisions that were emitted: a crash between deciding and committing leaves no trace.

use std::collections::BTreeSet;

use matchbot_bus::{Bound, Bus, BusError, Commit, Delivery, Slot};
use matchbot_model::{
    Action, Decision, MentorPool, Outcome, OutcomeKind, Request, RequestId, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::history::{Assignment, History, Place};

const DAY: i64 = 86_400;

fn load_key(mentor: u64) -> String {
    format!("matcher:load:{mentor}")
}

fn learner_key(profile: u64) -> String {
    format!("matcher:learner:{profile}")
}

const IN_FLIGHT: &str = "matcher:in-flight";

fn in_flight_member(mentor: u64, request: &RequestId) -> String {
    format!("{mentor} {request}")
}

#[derive(Serialize, Deserialize)]
struct LearnerEntry {
    mentor: u64,
    category: String,
    added: i64,
    /// The decision emitted (absent in entries written before decisions were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decision: Option<Decision>,
}

/// Reads what the policy needs to decide `batch` against `pool`: the loads of every mentor in
/// the pool over the window before the batch's requests, and the mentors the batch's learners
/// already have. One round trip.
///
/// A mentor's load is counted, not read, where that gives the same answer for every request of
/// the batch (see [`LoadRanges`]): reading every assignment in the window would cost each batch
/// as much as the whole window holds.
pub async fn read(
    bus: &Bus,
    pool: &MentorPool,
    batch: &[Delivery<Request>],
    load_days: u32,
) -> Result<History, BusError> {
    let mut history = History::new();
    let Some(earliest) = batch.iter().map(|e| e.payload.category_added.unix()).min() else {
        return Ok(history);
    };
    let latest = batch
        .iter()
        .map(|e| e.payload.category_added.unix())
        .max()
        .unwrap_or(earliest);
    let ranges = LoadRanges::new(earliest, latest, i64::from(load_days) * DAY);
    let mentors = mentor_ids(pool);
    let profiles = profile_ids(batch);

    let mut reads = bus.reads();
    let per_mentor: Vec<LoadReads> = mentors
        .iter()
        .map(|mentor| {
            let key = load_key(*mentor);
            let (from, to) = ranges.counted;
            LoadReads {
                mentor: *mentor,
                counted: reads.count(&key, from, to),
                read: ranges
                    .read
                    .iter()
                    .map(|(from, to)| reads.range(&key, *from, *to))
                    .collect(),
            }
        })
        .collect();
    let per_learner: Vec<_> = profiles
        .iter()
        .map(|profile| (*profile, reads.hash(&learner_key(*profile))))
        .collect();
    let mut answers = reads.run().await?;
    for LoadReads {
        mentor,
        counted,
        read,
    } in per_mentor
    {
        let counted = u32::try_from(answers.take(&counted)?).unwrap_or(u32::MAX);
        history.add_steady_load(mentor, counted);
        for slot in read {
            for (request_id, added) in answers.take(&slot)? {
                history.add_load(
                    mentor,
                    Place {
                        added,
                        request_id: RequestId::from_stored(request_id),
                    },
                );
            }
        }
    }
    for (profile, slot) in per_learner {
        for (request_id, json) in answers.take(&slot)? {
            // Written by this module; an entry that does not parse is one assignment the
            // policy cannot see, not a reason to stop matching.
            let Ok(entry) = serde_json::from_str::<LearnerEntry>(&json) else {
                tracing::warn!(profile, %request_id, "unreadable learner entry in the ledger; ignored");
                continue;
            };
            if let Some(decision) = entry.decision {
                history.add_decision_under(RequestId::from_stored(request_id.clone()), decision);
            }
            history.add_learner(
                profile,
                Assignment {
                    place: Place {
                        added: entry.added,
                        request_id: RequestId::from_stored(request_id),
                    },
                    mentor: entry.mentor,
                    category: entry.category,
                },
            );
        }
    }
    Ok(history)
}

/// The reads that give one mentor's load: a count, and the assignments near the batch's edges.
struct LoadReads {
    mentor: u64,
    counted: Slot<u64>,
    read: Vec<Slot<Vec<(String, i64)>>>,
}

/// Which of a mentor's assignments (scored by when their category was added) a batch reads,
/// and which it only counts, for requests added from `earliest` to `latest` and a load window
/// of `window` seconds. A request added at `a` counts the assignments scored after `a - window`
/// (see [`History::load`]), so:
/// - scored after `latest - window`: counted by every request of the batch: only their number
///   is needed;
/// - scored after `earliest - window` up to `latest - window`: in some windows only: read,
///   with their places;
/// - scored earlier: counted by none.
struct LoadRanges {
    /// Score bounds of the assignments only counted.
    counted: (Bound, Bound),
    /// Score bounds of the assignments read.
    read: Vec<(Bound, Bound)>,
}

impl LoadRanges {
    fn new(earliest: i64, latest: i64, window: i64) -> LoadRanges {
        use Bound::{Exclusive, Inclusive};
        LoadRanges {
            counted: (Exclusive(latest - window), Inclusive(i64::MAX)),
            read: vec![(Exclusive(earliest - window), Inclusive(latest - window))],
        }
    }
}

/// Every mentor the pool lists, whatever for.
fn mentor_ids(pool: &MentorPool) -> BTreeSet<u64> {
    pool.by_category
        .values()
        .flatten()
        .chain(&pool.general)
        .map(|m| m.user.id)
        .collect()
}

/// The learners' profiles of `batch`.
fn profile_ids(batch: &[Delivery<Request>]) -> BTreeSet<u64> {
    batch.iter().map(|e| e.payload.profile.id).collect()
}

/// The ledger keys the decisions of `batch` against `pool` depend on: every listed mentor's
/// load and the batch's learners. Watched from before the history is read until the batch's
/// commit, so that a commit made against loads another matcher changed meanwhile does not
/// run, and the batch is decided again on what the ledger holds then.
pub fn keys(pool: &MentorPool, batch: &[Delivery<Request>]) -> Vec<String> {
    let mentors = mentor_ids(pool);
    let profiles = profile_ids(batch);
    mentors
        .into_iter()
        .map(load_key)
        .chain(profiles.into_iter().map(learner_key))
        .collect()
}

/// Adds `decision`, made at `decided_at`, to the ledger, in `commit`. The maintainer's
/// fallbacks are no one's load, but are kept as decisions.
pub fn write(
    commit: &mut Commit,
    decision: &Decision,
    load_days: u32,
    decided_at: Timestamp,
) -> Result<(), BusError> {
    assign(
        commit,
        decision,
        decision.request.request_id.as_str(),
        load_days,
        decided_at,
    )
}

/// Adds the step `decision` of a match's life (see `lifecycle`), made at `decided_at`, to the
/// ledger, in `commit`: a reassignment moves the learner from the mentor before to the new one
/// (in flight until the notifier settles it) and is kept under its step's key, so a checkup
/// seen again gets it back; a close frees the mentor's place. Other steps change no load.
pub fn write_step(
    commit: &mut Commit,
    decision: &Decision,
    load_days: u32,
    decided_at: Timestamp,
) -> Result<(), BusError> {
    let Some(step) = &decision.step else {
        return write(commit, decision, load_days, decided_at);
    };
    let request = &decision.request;
    let id = request.request_id.as_str();
    match &step.action {
        Action::Reassign { from, .. } => {
            commit.zrem(&load_key(from.id), id);
            commit.zrem(IN_FLIGHT, &in_flight_member(from.id, &request.request_id));
            let key = crate::lifecycle::step_key(&request.request_id, &step.id);
            assign(commit, decision, key.as_str(), load_days, decided_at)?;
        }
        Action::Close { .. } => commit.zrem(&load_key(decision.mentor.id), id),
        Action::Contacted { .. } | Action::Nudge { .. } => {}
    }
    Ok(())
}

/// Gives the learner of `decision` to its mentor (in flight from `decided_at`; the
/// maintainer's fallbacks are no one's load) and keeps the decision in the learner's entry
/// under `field`: the request id for a greeting, the step's key for a reassignment.
fn assign(
    commit: &mut Commit,
    decision: &Decision,
    field: &str,
    load_days: u32,
    decided_at: Timestamp,
) -> Result<(), BusError> {
    let request = &decision.request;
    let added = request.category_added.unix();
    let keep = i64::from(load_days) * DAY + DAY;
    if decision.matchmade() {
        let loads = load_key(decision.mentor.id);
        commit.zadd(&loads, request.request_id.as_str(), added);
        commit.zremrangebyscore_below(&loads, added - keep);
        commit.zadd(
            IN_FLIGHT,
            &in_flight_member(decision.mentor.id, &request.request_id),
            decided_at.unix(),
        );
    }
    let learner = learner_key(request.profile.id);
    let entry = serde_json::to_string(&LearnerEntry {
        mentor: decision.mentor.id,
        category: request.category.clone(),
        added,
        decision: Some(decision.clone()),
    })?;
    commit.hset(&learner, field, &entry);
    commit.expire(&learner, keep);
    Ok(())
}

/// Settles the assignment `outcome` carried out, in the notifier's outcome `commit`: a posted
/// greeting counts toward the mentor's load (again, if its time in flight ran out), any other
/// outcome not at all. Idempotent.
pub fn settle(commit: &mut Commit, outcome: &Outcome) {
    let decision = &outcome.decision;
    // Of a match's later steps only a reassignment assigns anyone (a nudge posted or not
    // changes no load).
    let assigns = decision
        .step
        .as_ref()
        .is_none_or(|s| matches!(s.action, Action::Reassign { .. }));
    if !decision.matchmade() || !assigns {
        return;
    }
    let request = &decision.request;
    let loads = load_key(decision.mentor.id);
    commit.zrem(
        IN_FLIGHT,
        &in_flight_member(decision.mentor.id, &request.request_id),
    );
    match outcome.kind {
        OutcomeKind::Posted { .. } => {
            commit.zadd(
                &loads,
                request.request_id.as_str(),
                request.category_added.unix(),
            );
        }
        OutcomeKind::DryRun { .. }
        | OutcomeKind::Skipped { .. }
        | OutcomeKind::Noted
        | OutcomeKind::Failed { .. } => {
            commit.zrem(&loads, request.request_id.as_str());
        }
    }
}

/// The most assignments whose time in flight ran out that one call settles; the rest wait for
/// the next batch.
const EXPIRE_AT_MOST: usize = 1_000;

/// Takes out of the loads the assignments decided more than `in_flight_seconds` before `now`
/// whose outcome is still not known: their greeting is lost or held up, and holds no mentor's
/// place any longer. Returns how many. Run before a batch's history is read.
pub async fn expire_in_flight(
    bus: &Bus,
    now: Timestamp,
    in_flight_seconds: u64,
) -> Result<usize, BusError> {
    let cutoff = in_flight_cutoff(now, in_flight_seconds);
    let mut reads = bus.reads();
    let slot = reads.range(
        IN_FLIGHT,
        Bound::Inclusive(i64::MIN),
        Bound::Exclusive(cutoff),
    );
    let mut answers = reads.run().await?;
    let expired: Vec<(String, i64)> = answers.take(&slot)?;
    let mut commit = bus.commit_builder();
    for (member, _) in expired.iter().take(EXPIRE_AT_MOST) {
        if let Some((mentor, request)) = member.split_once(' ')
            && let Ok(mentor) = mentor.parse::<u64>()
        {
            commit.zrem(&load_key(mentor), request);
        }
        commit.zrem(IN_FLIGHT, member);
    }
    let count = expired.len().min(EXPIRE_AT_MOST);
    if count > 0 {
        tracing::info!(
            assignments = count,
            "greetings in flight longer than matcher.in_flight_seconds no longer count toward their mentors' loads"
        );
    }
    bus.commit(commit).await?;
    Ok(count)
}

/// Assignments decided before this (Unix seconds) are no longer in flight at `now`.
pub fn in_flight_cutoff(now: Timestamp, in_flight_seconds: u64) -> i64 {
    now.unix()
        .saturating_sub(i64::try_from(in_flight_seconds).unwrap_or(i64::MAX))
}
