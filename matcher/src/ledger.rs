//! The history's home in Redis: read before a batch, written in the batch's own commit.
//!
//! - `matcher:load:<mentor user id>`: a sorted set of the request ids the mentor got, scored by
//!   when the category was added. Entries older than the load window (and a day) are trimmed.
//! - `matcher:learner:<profile id>`: a hash of request id → `{"mentor", "category", "added"}`,
//!   the mentors a learner got, kept for the load window after its last change.
//!
//! Being written in the same MULTI/EXEC as the decisions and the acks, the ledger holds exactly
//! the decisions that were emitted: a crash between deciding and committing leaves no trace.

use std::collections::BTreeSet;

use matchbot_bus::{Bound, Bus, BusError, Commit, Delivery, Slot};
use matchbot_model::{Decision, MentorPool, Request, RequestId};
use serde::{Deserialize, Serialize};

use crate::history::{Assignment, History, Place};

const DAY: i64 = 86_400;

fn load_key(mentor: u64) -> String {
    format!("matcher:load:{mentor}")
}

fn learner_key(profile: u64) -> String {
    format!("matcher:learner:{profile}")
}

#[derive(Serialize, Deserialize)]
struct LearnerEntry {
    mentor: u64,
    category: String,
    added: i64,
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
    let mentors: BTreeSet<u64> = pool
        .by_category
        .values()
        .flatten()
        .chain(&pool.general)
        .map(|m| m.user.id)
        .collect();
    let profiles: BTreeSet<u64> = batch.iter().map(|e| e.payload.profile.id).collect();

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
/// and before it in request order, so:
/// - scored after `latest - window` and before `earliest`: counted by every request of the
///   batch, whatever its place: only their number is needed;
/// - scored from `earliest` to `latest` (before some requests, after others), or after
///   `earliest - window` up to `latest - window` (in some windows only): read, with their places;
/// - scored later, or earlier: counted by none.
///
/// A batch spanning more than the window reads all of them.
struct LoadRanges {
    /// Score bounds of the assignments only counted.
    counted: (Bound, Bound),
    /// Score bounds of the assignments read.
    read: Vec<(Bound, Bound)>,
}

impl LoadRanges {
    fn new(earliest: i64, latest: i64, window: i64) -> LoadRanges {
        use Bound::{Exclusive, Inclusive};
        if latest - window < earliest {
            LoadRanges {
                counted: (Exclusive(latest - window), Exclusive(earliest)),
                read: vec![
                    (Exclusive(earliest - window), Inclusive(latest - window)),
                    (Inclusive(earliest), Inclusive(latest)),
                ],
            }
        } else {
            LoadRanges {
                // An empty range: nothing is counted without being read.
                counted: (Inclusive(1), Inclusive(0)),
                read: vec![(Exclusive(earliest - window), Inclusive(latest))],
            }
        }
    }
}

/// Adds `decision` to the ledger, in `commit`. The maintainer's fallbacks are no one's load.
pub fn write(commit: &mut Commit, decision: &Decision, load_days: u32) -> Result<(), BusError> {
    if !decision.matchmade() {
        return Ok(());
    }
    let request = &decision.request;
    let added = request.category_added.unix();
    let keep = i64::from(load_days) * DAY + DAY;
    let loads = load_key(decision.mentor.id);
    commit.zadd(&loads, request.request_id.as_str(), added);
    commit.zremrangebyscore_below(&loads, added - keep);
    let learner = learner_key(request.profile.id);
    let entry = serde_json::to_string(&LearnerEntry {
        mentor: decision.mentor.id,
        category: request.category.clone(),
        added,
    })?;
    commit.hset(&learner, request.request_id.as_str(), &entry);
    commit.expire(&learner, keep);
    Ok(())
}
