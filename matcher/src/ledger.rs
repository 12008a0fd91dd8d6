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

use matchbot_bus::{Bus, BusError, Commit, Delivery};
use matchbot_config::{Decision, MentorPool, Request, RequestId};
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

    let mut pipe = redis::pipe();
    for mentor in &mentors {
        let key = bus.key(&load_key(*mentor));
        let (from, to) = &ranges.counted;
        pipe.zcount(&key, from, to);
        for (from, to) in &ranges.read {
            pipe.cmd("ZRANGE")
                .arg(&key)
                .arg(from)
                .arg(to)
                .arg("BYSCORE")
                .arg("WITHSCORES");
        }
    }
    for profile in &profiles {
        pipe.hgetall(bus.key(&learner_key(*profile)));
    }
    let mut conn = bus.connection();
    let answers: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
    let per_mentor = 1 + ranges.read.len();
    let (loads, learners) = answers.split_at((mentors.len() * per_mentor).min(answers.len()));
    for (mentor, answers) in mentors.iter().zip(loads.chunks(per_mentor)) {
        let Some((counted, read)) = answers.split_first() else {
            continue;
        };
        let counted: u32 =
            redis::from_redis_value(counted.clone()).map_err(redis::RedisError::from)?;
        history.add_steady_load(*mentor, counted);
        for answer in read {
            let entries: Vec<(String, i64)> =
                redis::from_redis_value(answer.clone()).map_err(redis::RedisError::from)?;
            for (request_id, added) in entries {
                history.add_load(
                    *mentor,
                    Place {
                        added,
                        request_id: RequestId::from_stored(request_id),
                    },
                );
            }
        }
    }
    for (profile, answer) in profiles.iter().zip(learners) {
        let entries: Vec<(String, String)> =
            redis::from_redis_value(answer.clone()).map_err(redis::RedisError::from)?;
        for (request_id, json) in entries {
            // Written by this module; an entry that does not parse is one assignment the
            // policy cannot see, not a reason to stop matching.
            let Ok(entry) = serde_json::from_str::<LearnerEntry>(&json) else {
                tracing::warn!(profile, %request_id, "unreadable learner entry in the ledger; ignored");
                continue;
            };
            history.add_learner(
                *profile,
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
    /// `ZCOUNT` bounds of the assignments only counted.
    counted: (String, String),
    /// `ZRANGE … BYSCORE` bounds of the assignments read.
    read: Vec<(String, String)>,
}

impl LoadRanges {
    fn new(earliest: i64, latest: i64, window: i64) -> LoadRanges {
        if latest - window < earliest {
            LoadRanges {
                counted: (format!("({}", latest - window), format!("({earliest}")),
                read: vec![
                    (
                        format!("({}", earliest - window),
                        (latest - window).to_string(),
                    ),
                    (earliest.to_string(), latest.to_string()),
                ],
            }
        } else {
            LoadRanges {
                // An empty range: nothing is counted without being read.
                counted: ("1".into(), "0".into()),
                read: vec![(format!("({}", earliest - window), latest.to_string())],
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
