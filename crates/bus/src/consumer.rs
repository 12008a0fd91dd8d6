use std::time::{Duration, Instant};

use redis::AsyncConnectionConfig;
use redis::AsyncTypedCommands;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamId, StreamReadOptions, StreamReadReply};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::commit::NewDeadLetter;
use crate::inspect::{number, text};
use crate::stream::{EntryId, PAYLOAD, TRACEPARENT};
use crate::trace::{Processing, batch_span, process_span};
use crate::{Bus, BusError, Commit, Stream};

/// One entry handed to a stage. It must end in a [`Commit`] that acks it (after the stage's
/// effect is durable) or in [`Consumer::dead_letter`]; otherwise it stays pending and is delivered
/// again.
#[derive(Debug)]
#[must_use = "an entry must be acked or dead-lettered, or it is delivered again"]
pub struct Delivery<T> {
    /// The stream entry id.
    pub id: String,
    /// The decoded payload.
    pub payload: T,
    /// The entry's W3C trace context (`traceparent` field), when it carries a well-formed one.
    pub traceparent: Option<String>,
}

impl<T> Delivery<T> {
    /// The trace id of the entry's trace context: 32 lowercase hex digits.
    pub fn trace_id(&self) -> Option<&str> {
        self.traceparent.as_deref().and_then(trace_id)
    }
}

/// The trace id of a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`), if it is
/// well formed and not the all-zero id the specification calls invalid.
pub fn trace_id(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let well_formed = hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && (version != "00" || parts.next().is_none());
    let valid =
        well_formed && trace.bytes().any(|b| b != b'0') && parent.bytes().any(|b| b != b'0');
    valid.then_some(trace)
}

/// When entries are handed out again, and when they are given up on.
#[derive(Debug, Clone, Copy)]
pub struct Redelivery {
    /// An entry pending this long with any consumer is taken over by the next one that looks
    /// (XAUTOCLAIM). It must exceed the slowest handling of one entry, or a live consumer's
    /// entry is handled twice.
    pub claim_idle: Duration,
    /// An entry handed out this many times without an ack goes to the dead-letter stream: it
    /// is presumably what keeps killing its worker.
    pub max_deliveries: u64,
}

impl Default for Redelivery {
    fn default() -> Redelivery {
        Redelivery {
            claim_idle: Duration::from_secs(300),
            max_deliveries: 5,
        }
    }
}

/// Why an entry whose body is gone was dead-lettered.
const TRIMMED: &str = "the entry was trimmed from the stream before it was handled";

/// How often a reading consumer notes itself in its stage's roll.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(5);

/// The sorted set (under the prefix) of `stage`'s consumers, scored by when each last read
/// (unix seconds).
pub(crate) fn roll_key(stage: &str) -> String {
    format!("consumers:{stage}")
}

pub(crate) fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// How often a reading consumer trims what has been handled from its stream.
const TRIM_EVERY: Duration = Duration::from_secs(5);

/// A consumer that has not read for this long, and holds nothing, is removed from the group,
/// so the per-process names of restarted workers do not pile up.
const FORGET_IDLE_CONSUMER: Duration = Duration::from_secs(24 * 3600);

/// A stage's reader on one stream, as one named member of the stage's consumer group.
///
/// It re-reads its own pending entries first (delivered before a crash or a lost connection,
/// never acked), then new ones; every `claim_idle / 2` it takes over entries other consumers
/// left pending longer than `claim_idle`, and reads those the same way. An entry that cannot
/// be decoded, or that has been handed out more than `max_deliveries` times, is dead-lettered
/// here and never returned.
///
/// Blocking reads run on a connection of their own whose response timeout exceeds `BLOCK`:
/// redis-rs's default 500 ms timeout would abandon a read the server still completes, leaving an
/// entry delivered to nobody who is listening (research/rust-ecosystem.md §2.6, P1 and P2). That
/// connection is replaced after any error, and the pending list is re-read, which recovers an
/// entry the server handed out on a read whose answer was lost.
pub struct Consumer {
    bus: Bus,
    reader: Option<MultiplexedConnection>,
    stream: Stream,
    key: String,
    stage: String,
    name: String,
    block: Duration,
    redelivery: Redelivery,
    /// While `Some`, this consumer is re-reading its own pending list, from after this id.
    pending_after: Option<String>,
    next_claim: Instant,
    next_announce: Instant,
    next_trim: Instant,
}

impl Consumer {
    pub(crate) async fn join(
        bus: &Bus,
        stream: Stream,
        stage: &str,
        name: &str,
        block: Duration,
    ) -> Result<Consumer, BusError> {
        let key = bus.key(stream.name());
        let mut conn = bus.connection();
        // From "0", not "$": a stage started after its producer must still see what is waiting.
        match redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&key)
            .arg(stage)
            .arg("0")
            .arg("MKSTREAM")
            .query_async::<()>(&mut conn)
            .await
        {
            Ok(()) => {}
            Err(e) if e.code() == Some("BUSYGROUP") => {}
            Err(e) => return Err(e.into()),
        }
        Ok(Consumer {
            bus: bus.clone(),
            reader: None,
            stream,
            key,
            stage: stage.to_owned(),
            name: name.to_owned(),
            block,
            redelivery: bus.redelivery(),
            pending_after: Some("0".to_owned()),
            next_claim: Instant::now(),
            next_announce: Instant::now(),
            next_trim: Instant::now(),
        })
    }

    /// Reads up to `count` entries: this consumer's own pending ones first, then new ones,
    /// waiting up to the consumer's `BLOCK` time for new ones when `wait` is true.
    ///
    /// An empty result means there is nothing to do. Entries that cannot be decoded as `T`, or
    /// were handed out too often, are dead-lettered here and never returned.
    ///
    /// Cancel safety: not cancel safe. A dropped read may still deliver entries server-side,
    /// which then sit in this consumer's pending list until it re-reads it. Never race it
    /// against shutdown in a `select!`; check for shutdown between reads instead.
    pub async fn read<T: DeserializeOwned>(
        &mut self,
        count: usize,
        wait: bool,
    ) -> Result<Vec<Delivery<T>>, BusError> {
        let result = self.try_read(count, wait).await;
        if result.is_err() {
            // The connection may be broken, and a read the server completed may have handed
            // this consumer entries it never saw: reconnect, and start from the pending list.
            self.reader = None;
            self.pending_after = Some("0".to_owned());
        }
        result
    }

    async fn try_read<T: DeserializeOwned>(
        &mut self,
        count: usize,
        wait: bool,
    ) -> Result<Vec<Delivery<T>>, BusError> {
        loop {
            if Instant::now() >= self.next_announce {
                self.announce().await?;
            }
            if Instant::now() >= self.next_claim {
                self.claim().await?;
            }
            if Instant::now() >= self.next_trim {
                self.trim().await?;
            }
            let mut options = StreamReadOptions::default()
                .group(&self.stage, &self.name)
                .count(count);
            let history = self.pending_after.is_some();
            let from = match &self.pending_after {
                Some(after) => after.clone(),
                None => {
                    if wait {
                        options = options.block(self.block.as_millis() as usize);
                    }
                    ">".to_owned()
                }
            };
            let mut reader = self.reader().await?;
            let reply: Option<StreamReadReply> = reader
                .xread_options(&[&self.key], &[&from], &options)
                .await?;
            let entries: Vec<StreamId> = reply
                .into_iter()
                .flat_map(|r| r.keys)
                .flat_map(|k| k.ids)
                .collect();
            let mut deliveries = Vec::new();
            if history {
                match (entries.first(), entries.last()) {
                    (Some(first), Some(last)) => {
                        deliveries = self.delivery_counts(&first.id, &last.id).await?;
                        self.pending_after = Some(last.id.clone());
                    }
                    _ => {
                        self.pending_after = None;
                        continue;
                    }
                }
            } else if entries.is_empty() {
                return Ok(Vec::new());
            }
            let mut good = Vec::with_capacity(entries.len());
            for entry in entries {
                let delivered = deliveries
                    .iter()
                    .find(|(id, _)| *id == entry.id)
                    .map_or(1, |(_, n)| *n);
                if delivered > self.redelivery.max_deliveries {
                    let reason = format!(
                        "handed out {delivered} times without being acked (the limit is {}); \
                         handling it may be what stops the worker",
                        self.redelivery.max_deliveries
                    );
                    let raw: Option<String> = entry.get(PAYLOAD);
                    self.give_up(&entry, &reason, raw.as_deref(), delivered)
                        .await?;
                    continue;
                }
                match decode(&entry) {
                    Ok(payload) => good.push(Delivery {
                        traceparent: entry
                            .get::<String>(TRACEPARENT)
                            .filter(|t| trace_id(t).is_some()),
                        id: entry.id,
                        payload,
                    }),
                    Err((reason, raw)) => {
                        self.give_up(&entry, &reason, raw.as_deref(), delivered)
                            .await?
                    }
                }
            }
            if !good.is_empty() {
                return Ok(good);
            }
        }
    }

    /// Notes in the stage's roll (see [`crate::live_consumers`]) that this consumer is reading.
    /// Redis 7.0's own idle time only counts from the last entry handed out, so it cannot tell
    /// a quiet stage from a dead one.
    async fn announce(&mut self) -> Result<(), BusError> {
        self.next_announce = Instant::now() + ANNOUNCE_EVERY;
        let now = unix_seconds();
        let roll = self.bus.key(&roll_key(&self.stage));
        let mut pipe = redis::pipe();
        pipe.zadd(&roll, &self.name, now)
            .ignore()
            .zrembyscore(&roll, "-inf", now - FORGET_IDLE_CONSUMER.as_secs() as i64)
            .ignore();
        let mut conn = self.bus.connection();
        let () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    /// Trims from the stream the entries every group reading it has handled, once they are
    /// older than the bus's `keep_handled`: the entries before each group's oldest pending
    /// entry and up to its last delivered one. What is not yet handled is never trimmed, so
    /// a backlog of any length waits whole, and memory stays flat once it drains.
    async fn trim(&mut self) -> Result<(), BusError> {
        self.next_trim = Instant::now() + TRIM_EVERY;
        let mut conn = self.bus.connection();
        let groups: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(&self.key)
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
                        .arg(&self.key)
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
        let now_ms = self.bus.server_ms().await?;
        let kept_from = EntryId {
            ms: now_ms.saturating_sub(self.bus.keep_handled().as_millis() as u64),
            seq: 0,
        };
        let min_id = handled_before.min(kept_from);
        if min_id > EntryId::ZERO {
            // `~`: whole nodes only, never more than asked, and cheap.
            let _trimmed: u64 = redis::cmd("XTRIM")
                .arg(&self.key)
                .arg("MINID")
                .arg("~")
                .arg(min_id.to_string())
                .query_async(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// The blocking-read connection, made on first use and after an error.
    async fn reader(&mut self) -> Result<MultiplexedConnection, BusError> {
        if let Some(conn) = &self.reader {
            return Ok(conn.clone());
        }
        {
            let config = AsyncConnectionConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(5)))
                .set_response_timeout(Some(self.block * 2 + Duration::from_secs(10)));
            let conn = self
                .bus
                .redis_client()
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            self.reader = Some(conn.clone());
            Ok(conn)
        }
    }

    /// Takes over entries other consumers left pending longer than `claim_idle`, to be read as
    /// this consumer's own; dead-letters the ones trimmed away meanwhile; forgets consumers
    /// gone for good.
    async fn claim(&mut self) -> Result<(), BusError> {
        self.next_claim =
            Instant::now() + (self.redelivery.claim_idle / 2).max(Duration::from_millis(100));
        let mut conn = self.bus.connection();
        let mut cursor = "0-0".to_owned();
        let mut claimed = 0;
        loop {
            // JUSTID: the delivery count goes up once, when the entry is read from the pending
            // list, not twice.
            let (next, ids, trimmed): (String, Vec<String>, Vec<String>) = redis::cmd("XAUTOCLAIM")
                .arg(&self.key)
                .arg(&self.stage)
                .arg(&self.name)
                .arg(self.redelivery.claim_idle.as_millis() as u64)
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
                };
                self.dead_letter_counted(given_up, TRIMMED, 0).await?;
            }
            if next == "0-0" {
                break;
            }
            cursor = next;
        }
        if claimed > 0 {
            tracing::info!(
                stream = %self.stream,
                stage = %self.stage,
                claimed,
                "took over entries left pending by a stopped consumer"
            );
            self.pending_after = Some("0".to_owned());
        }
        self.forget_idle_consumers().await
    }

    async fn forget_idle_consumers(&self) -> Result<(), BusError> {
        let mut conn = self.bus.connection();
        let consumers: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(&self.key)
            .arg(&self.stage)
            .query_async(&mut conn)
            .await?;
        let idle_limit = FORGET_IDLE_CONSUMER.max(self.redelivery.claim_idle * 10);
        for consumer in consumers {
            let (Some(name), Some(pending), Some(idle_ms)) = (
                text(&consumer, "name"),
                number(&consumer, "pending"),
                number(&consumer, "idle"),
            ) else {
                continue;
            };
            if name != self.name && pending == 0 && Duration::from_millis(idle_ms) > idle_limit {
                conn.xgroup_delconsumer(&self.key, &self.stage, &name)
                    .await?;
                tracing::info!(stage = %self.stage, consumer = %name, "forgot a consumer gone for a day");
            }
        }
        Ok(())
    }

    /// How many times each of this consumer's pending entries from `first` to `last` was
    /// handed out.
    async fn delivery_counts(
        &self,
        first: &str,
        last: &str,
    ) -> Result<Vec<(String, u64)>, BusError> {
        let mut conn = self.bus.connection();
        let pending: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
            .arg(&self.key)
            .arg(&self.stage)
            .arg(first)
            .arg(last)
            .arg(10_000)
            .arg(&self.name)
            .query_async(&mut conn)
            .await?;
        Ok(pending
            .into_iter()
            .map(|(id, _, _, delivered)| (id, delivered))
            .collect())
    }

    /// Of the entries `ids` (one batch, oldest first), those still pending with this consumer,
    /// refreshed so that no other consumer takes them over while this one is still at them.
    ///
    /// A stage that waits out a long outage holding a batch calls this before each new try:
    /// an entry another consumer took over meanwhile is that consumer's to finish, and handling
    /// it here too could greet twice.
    pub async fn still_mine(&self, ids: &[&str]) -> Result<Vec<String>, BusError> {
        // Stream order, not string order: "5-10" sorts before "5-9" as text.
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            return Ok(Vec::new());
        };
        let mine: Vec<String> = self
            .delivery_counts(first, last)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .filter(|id| ids.contains(&id.as_str()))
            .collect();
        if !mine.is_empty() {
            let mut conn = self.bus.connection();
            // Resets their idle time. The minimum idle time keeps this from taking back an
            // entry another consumer claimed between the two commands (its idle time is ~0);
            // JUSTID keeps the delivery count as it is.
            let _: Vec<String> = redis::cmd("XCLAIM")
                .arg(&self.key)
                .arg(&self.stage)
                .arg(&self.name)
                .arg((self.redelivery.claim_idle / 2).as_millis() as u64)
                .arg(&mine)
                .arg("JUSTID")
                .query_async(&mut conn)
                .await?;
        }
        Ok(mine)
    }

    /// A commit that will also ack entries of this consumer's stream.
    pub fn commit_builder(&self) -> Commit {
        self.bus.commit_builder()
    }

    /// Adds the ack of `id` to `commit`.
    pub fn ack(&self, commit: &mut Commit, id: &str) {
        commit.ack(self.stream, &self.stage, id);
    }

    /// The CONSUMER span to handle `entry` in: it continues the trace the entry was sent in,
    /// so everything logged or sent inside it belongs to the entry's request.
    pub fn process_span<T>(&self, entry: &Delivery<T>) -> tracing::Span {
        let at = Processing {
            stream: self.stream,
            group: &self.stage,
            consumer: &self.name,
            entry: &entry.id,
        };
        process_span(at, entry.traceparent.as_deref())
    }

    /// The CONSUMER span of a batch handled as one (one statement for all of it), linked to
    /// each entry's trace. Each entry still gets its [`Consumer::process_span`].
    pub fn batch_span<T>(&self, batch: &[Delivery<T>]) -> tracing::Span {
        let traceparents = batch.iter().map(|e| e.traceparent.as_deref());
        batch_span(self.stream, &self.stage, traceparents, batch.len())
    }

    /// Adds to `commit` the move of `entry` to the dead-letter stream, with `reason` and its
    /// delivery count, and its ack: a stage that dead-letters some entries of a batch and
    /// emits the others does both in one MULTI/EXEC.
    pub async fn dead_letter_in<T: Serialize>(
        &self,
        commit: &mut Commit,
        entry: &Delivery<T>,
        reason: &str,
    ) -> Result<(), BusError> {
        let deliveries = self.deliveries(&entry.id).await?;
        // Re-encoded from the decoded payload: it decoded, so nothing is lost.
        let payload = serde_json::to_string(&entry.payload)?;
        let given_up = Given {
            id: &entry.id,
            payload: Some(&payload),
            traceparent: entry.traceparent.as_deref(),
        };
        self.add_dead_letter(commit, given_up, reason, deliveries);
        Ok(())
    }

    /// Dead-letters an entry as read, keeping its trace context.
    async fn give_up(
        &self,
        entry: &StreamId,
        reason: &str,
        payload: Option<&str>,
        deliveries: u64,
    ) -> Result<(), BusError> {
        let traceparent: Option<String> = entry.get(TRACEPARENT);
        let given_up = Given {
            id: &entry.id,
            payload,
            traceparent: traceparent.as_deref(),
        };
        self.dead_letter_counted(given_up, reason, deliveries).await
    }

    /// Moves an entry to the dead-letter stream and acks it, in one MULTI/EXEC.
    async fn dead_letter_counted(
        &self,
        entry: Given<'_>,
        reason: &str,
        deliveries: u64,
    ) -> Result<(), BusError> {
        let mut commit = self.commit_builder();
        self.add_dead_letter(&mut commit, entry, reason, deliveries);
        self.bus.commit(commit).await
    }

    fn add_dead_letter(
        &self,
        commit: &mut Commit,
        entry: Given<'_>,
        reason: &str,
        deliveries: u64,
    ) {
        tracing::error!(
            stream = %self.stream,
            stage = %self.stage,
            entry = entry.id,
            deliveries,
            reason,
            "entry moved to the dead-letter stream"
        );
        commit.dead_letter(NewDeadLetter {
            stream: self.stream,
            stage: &self.stage,
            entry: entry.id,
            reason,
            deliveries,
            payload: entry.payload.unwrap_or(""),
            traceparent: entry.traceparent,
        });
        commit.ack(self.stream, &self.stage, entry.id);
    }

    /// How many times `id` has been delivered to this group (0 once it left the pending list).
    async fn deliveries(&self, id: &str) -> Result<u64, BusError> {
        let mut conn = self.bus.connection();
        let reply = conn
            .xpending_count(&self.key, &self.stage, id, id, 1)
            .await?;
        Ok(reply.ids.first().map_or(0, |p| p.times_delivered as u64))
    }
}

/// An entry being given up: its id, and what of it there is to keep.
struct Given<'a> {
    id: &'a str,
    payload: Option<&'a str>,
    traceparent: Option<&'a str>,
}

/// Decodes an entry's payload, or says why it cannot be (with the raw payload, if any).
fn decode<T: DeserializeOwned>(entry: &StreamId) -> Result<T, (String, Option<String>)> {
    if entry.map.is_empty() {
        return Err((TRIMMED.to_owned(), None));
    }
    let Some(raw) = entry.get::<String>(PAYLOAD) else {
        return Err((format!("the entry has no \"{PAYLOAD}\" field"), None));
    };
    serde_json::from_str(&raw).map_err(|e| {
        (
            format!(
                "the payload is not a valid {}: {e}",
                std::any::type_name::<T>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("entry")
            ),
            Some(raw),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::trace_id;

    #[test]
    fn a_trace_id_is_read_only_from_a_well_formed_traceparent() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(trace_id(good), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
        ] {
            assert_eq!(trace_id(bad), None, "{bad:?}");
        }
        // A later version may add fields after the flags.
        assert!(trace_id("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x").is_some());
    }
}
