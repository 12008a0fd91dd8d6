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
    let from = earliest - i64::from(load_days) * DAY;
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
        pipe.cmd("ZRANGE")
            .arg(bus.key(&load_key(*mentor)))
            .arg(format!("({from}"))
            .arg("+inf")
            .arg("BYSCORE")
            .arg("WITHSCORES");
    }
    for profile in &profiles {
        pipe.hgetall(bus.key(&learner_key(*profile)));
    }
    let mut conn = bus.connection();
    let answers: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
    let (loads, learners) = answers.split_at(mentors.len().min(answers.len()));
    for (mentor, answer) in mentors.iter().zip(loads) {
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
