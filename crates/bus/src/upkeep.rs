//! What a reading consumer does now and then besides reading: note itself in its stage's roll,
//! take over entries stopped consumers left pending, trim what every group has handled, and
//! forget consumers gone for good.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::AsyncTypedCommands;

use crate::bus::Redelivery;
use crate::dead_letter::{self, Given};
use crate::error::BusError;
use crate::fields::{TRIMMED, number, text};
use crate::group::Member;
use crate::stream::EntryId;
use crate::time::unix_seconds;

/// How often a reading consumer notes itself in its stage's roll.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(5);

/// How often a reading consumer trims what has been handled from its stream.
const TRIM_EVERY: Duration = Duration::from_secs(5);

/// A consumer that has not read for this long, and holds nothing, is removed from the group,
/// so the per-process names of restarted workers do not pile up.
const FORGET_IDLE_CONSUMER: Duration = Duration::from_secs(24 * 3600);

/// The sorted set (under the prefix) of `stage`'s consumers, scored by when each last read
/// (unix seconds).
pub(crate) fn roll_key(stage: &str) -> String {
    format!("consumers:{stage}")
}

/// When each chore is next due.
pub(crate) struct Upkeep {
    redelivery: Redelivery,
    next_claim: Instant,
    next_announce: Instant,
    next_trim: Instant,
}

impl Upkeep {
    /// Every chore is due at once: a consumer that just joined announces itself, looks for
    /// stranded entries and trims before its first read.
    pub(crate) fn new(redelivery: Redelivery) -> Upkeep {
        let now = Instant::now();
        Upkeep {
            redelivery,
            next_claim: now,
            next_announce: now,
            next_trim: now,
        }
    }

    /// Runs the chores that are due. True when entries were taken over: they are now the
    /// member's own pending entries, to be read from its pending list.
    pub(crate) async fn run_due(&mut self, member: &Member) -> Result<bool, BusError> {
        let now = Instant::now();
        if now >= self.next_announce {
            self.next_announce = now + ANNOUNCE_EVERY;
            announce(member).await?;
        }
        let mut claimed = false;
        if now >= self.next_claim {
            self.next_claim =
                now + (self.redelivery.claim_idle / 2).max(Duration::from_millis(100));
            claimed = claim(member, self.redelivery).await?;
        }
        if now >= self.next_trim {
            self.next_trim = now + TRIM_EVERY;
            trim(member).await?;
        }
        Ok(claimed)
    }
}

/// Notes in the stage's roll that this consumer is reading. Redis 7.0's own idle time only
/// counts from the last entry handed out, so it cannot tell a quiet stage from a dead one.
async fn announce(member: &Member) -> Result<(), BusError> {
    let now = unix_seconds();
    let roll = member.bus.key(&roll_key(member.stage));
    let mut pipe = redis::pipe();
    pipe.zadd(&roll, &member.name, now)
        .ignore()
        .zrembyscore(&roll, "-inf", now - FORGET_IDLE_CONSUMER.as_secs() as i64)
        .ignore();
    let mut conn = member.bus.connection();
    let () = pipe.query_async(&mut conn).await?;
    Ok(())
}

/// Trims from the stream the entries every group reading it has handled, once they are
/// older than the bus's `keep_handled`: the entries before each group's oldest pending
/// entry and up to its last delivered one. What is not yet handled is never trimmed, so
/// a backlog of any length waits whole, and memory stays flat once it drains.
async fn trim(member: &Member) -> Result<(), BusError> {
    let mut conn = member.bus.connection();
    let groups: Vec<HashMap<String, redis::Value>> = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(&member.key)
        .query_async(&mut conn)
        .await?;
    let mut handled_before: Option<EntryId> = None;
    for group in &groups {
        let (Some(name), Some(last)) = (
            text(group, "name"),
            text(group, "last-delivered-id").and_then(|id| EntryId::parse(&id)),
        ) else {
            return Ok(());
        };
        let mut oldest_needed = last;
        if number(group, "pending").unwrap_or(0) > 0 {
            // The summary form: count, smallest id, greatest id, consumers.
            let (_, smallest, _, _): (u64, Option<String>, Option<String>, redis::Value) =
                redis::cmd("XPENDING")
                    .arg(&member.key)
                    .arg(&name)
                    .query_async(&mut conn)
                    .await?;
            if let Some(smallest) = smallest.as_deref().and_then(EntryId::parse) {
                oldest_needed = oldest_needed.min(smallest);
            }
        }
        handled_before = Some(handled_before.map_or(oldest_needed, |h| h.min(oldest_needed)));
    }
    let Some(handled_before) = handled_before else {
        return Ok(());
    };
    // Entry ids are the Redis server's clock in milliseconds: age by that clock too.
    let now_ms = member.bus.server_ms().await?;
    let kept_from = EntryId {
        ms: now_ms.saturating_sub(member.bus.keep_handled().as_millis() as u64),
        seq: 0,
    };
    let min_id = handled_before.min(kept_from);
    if min_id > EntryId::ZERO {
        // `~`: whole nodes only, never more than asked, and cheap.
        let _trimmed: u64 = redis::cmd("XTRIM")
            .arg(&member.key)
            .arg("MINID")
            .arg("~")
            .arg(min_id.to_string())
            .query_async(&mut conn)
            .await?;
    }
    Ok(())
}

/// Takes over entries other consumers left pending longer than `claim_idle`, to be read as
/// this consumer's own; dead-letters the ones trimmed away meanwhile; forgets consumers gone
/// for good. True when it took any over.
async fn claim(member: &Member, redelivery: Redelivery) -> Result<bool, BusError> {
    let mut conn = member.bus.connection();
    let mut cursor = "0-0".to_owned();
    let mut claimed = 0;
    loop {
        // JUSTID: the delivery count goes up once, when the entry is read from the pending
        // list, not twice.
        let (next, ids, trimmed): (String, Vec<String>, Vec<String>) = redis::cmd("XAUTOCLAIM")
            .arg(&member.key)
            .arg(member.stage)
            .arg(&member.name)
            .arg(redelivery.claim_idle.as_millis() as u64)
            .arg(&cursor)
            .arg("COUNT")
            .arg(100)
            .arg("JUSTID")
            .query_async(&mut conn)
            .await?;
        claimed += ids.len();
        // XAUTOCLAIM drops trimmed entries from the pending list whatever their idle time,
        // and their delivery count with them: it is recorded as 0, unknown.
        for id in trimmed {
            let given_up = Given {
                id: &id,
                payload: None,
                traceparent: None,
                verified: false,
            };
            dead_letter::give_up(member, given_up, TRIMMED, 0).await?;
        }
        if next == "0-0" {
            break;
        }
        cursor = next;
    }
    if claimed > 0 {
        tracing::info!(
            stream = %member.stream,
            stage = %member.stage,
            claimed,
            "took over entries left pending by a stopped consumer"
        );
    }
    forget_idle_consumers(member, redelivery).await?;
    Ok(claimed > 0)
}

async fn forget_idle_consumers(member: &Member, redelivery: Redelivery) -> Result<(), BusError> {
    let mut conn = member.bus.connection();
    let consumers: Vec<HashMap<String, redis::Value>> = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(&member.key)
        .arg(member.stage)
        .query_async(&mut conn)
        .await?;
    let idle_limit = FORGET_IDLE_CONSUMER.max(redelivery.claim_idle * 10);
    for consumer in consumers {
        let (Some(name), Some(pending), Some(idle_ms)) = (
            text(&consumer, "name"),
            number(&consumer, "pending"),
            number(&consumer, "idle"),
        ) else {
            continue;
        };
        if name != member.name && pending == 0 && Duration::from_millis(idle_ms) > idle_limit {
            conn.xgroup_delconsumer(&member.key, member.stage, &name)
                .await?;
            tracing::info!(stage = %member.stage, consumer = %name, "forgot a consumer gone for a day");
        }
    }
    Ok(())
}
