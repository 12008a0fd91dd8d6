//! Reading a stage's entries: its own pending ones first, then new ones.

use std::marker::PhantomData;
use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::AsyncTypedCommands;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamId, StreamReadOptions, StreamReadReply};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bus::{Bus, Redelivery};
use crate::commit::Commit;
use crate::dead_letter::{self, Given};
use crate::error::BusError;
use crate::fields::{decode, trace_id, verify};
use crate::group::Member;
use crate::hold::{self, Hold};
use crate::stream::{PAYLOAD, TRACEPARENT};
use crate::topic::Topic;
use crate::trace::{Processing, batch_span, process_span};
use crate::upkeep::Upkeep;

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

/// Creates `stage`'s group on the stream at `key` (and the stream, if it is not there), unless
/// it exists. From "0", not "$": a stage started after its producer must still see what is
/// waiting.
async fn create_group(bus: &Bus, key: &str, stage: &str) -> Result<(), BusError> {
    let mut conn = bus.connection();
    match redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(key)
        .arg(stage)
        .arg("0")
        .arg("MKSTREAM")
        .query_async::<()>(&mut conn)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// A stage's reader on one topic, as one named member of the stage's consumer group.
///
/// It re-reads its own pending entries first (delivered before a crash or a lost connection,
/// never acked), then new ones; now and then it takes over entries other consumers left
/// pending longer than `claim_idle`, and reads those the same way (see `upkeep`). An entry that
/// cannot be decoded as `T`, or that has been handed out more than `max_deliveries` times, is
/// dead-lettered here and never returned.
///
/// Blocking reads run on a connection of their own whose response timeout exceeds `BLOCK`:
/// redis-rs's default 500 ms timeout would abandon a read the server still completes, leaving an
/// entry delivered to nobody who is listening. That connection is replaced after any error, and
/// the pending list is re-read, which recovers an entry the server handed out on a read whose
/// answer was lost.
pub struct Consumer<T> {
    member: Member,
    reader: Option<MultiplexedConnection>,
    block: Duration,
    redelivery: Redelivery,
    /// While `Some`, this consumer is re-reading its own pending list, from after this id.
    pending_after: Option<String>,
    upkeep: Upkeep,
    payload: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Consumer<T> {
    /// Joins the topic's consumer group on `bus` as `name`, creating the group if needed.
    /// A blocking read waits up to `block` for new entries.
    pub async fn join(
        bus: &Bus,
        topic: Topic<T>,
        name: &str,
        block: Duration,
    ) -> Result<Consumer<T>, BusError> {
        let key = bus.key(topic.stream().name());
        create_group(bus, &key, topic.stage()).await?;
        let redelivery = bus.redelivery();
        Ok(Consumer {
            member: Member {
                bus: bus.clone(),
                stream: topic.stream(),
                key,
                stage: topic.stage(),
                name: name.to_owned(),
            },
            reader: None,
            block,
            redelivery,
            pending_after: Some("0".to_owned()),
            upkeep: Upkeep::new(redelivery),
            payload: PhantomData,
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
    pub async fn read(&mut self, count: usize, wait: bool) -> Result<Vec<Delivery<T>>, BusError> {
        let mut result = self.try_read(count, wait).await;
        if let Err(e) = &result
            && e.is_no_group()
        {
            // The stream's key is gone (evicted, deleted) and its group with it: what it held
            // is lost (the scanner's reconcile finds the requests again), but this stage goes
            // on with what is written from now on.
            tracing::warn!(
                stream = %self.member.stream,
                stage = %self.member.stage,
                "the stream and its consumer group were gone from Redis (evicted or deleted); made them again"
            );
            create_group(&self.member.bus, &self.member.key, self.member.stage).await?;
            self.pending_after = Some("0".to_owned());
            result = self.try_read(count, wait).await;
        }
        if result.is_err() {
            // The connection may be broken, and a read the server completed may have handed
            // this consumer entries it never saw: reconnect, and start from the pending list.
            self.reader = None;
            self.pending_after = Some("0".to_owned());
        }
        result
    }

    async fn try_read(&mut self, count: usize, wait: bool) -> Result<Vec<Delivery<T>>, BusError> {
        loop {
            if self.upkeep.run_due(&self.member).await? {
                self.pending_after = Some("0".to_owned());
            }
            let mut options = StreamReadOptions::default()
                .group(self.member.stage, &self.member.name)
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
                .xread_options(&[&self.member.key], &[&from], &options)
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
            let keys = self.member.bus.keys();
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
                    let verified = verify(keys, self.member.stream, &entry).is_ok();
                    self.give_up(&entry, &reason, raw.as_deref(), verified, delivered)
                        .await?;
                    continue;
                }
                match decode(keys, self.member.stream, &entry) {
                    Ok(payload) => good.push(Delivery {
                        traceparent: entry
                            .get::<String>(TRACEPARENT)
                            .filter(|t| trace_id(t).is_some()),
                        id: entry.id,
                        payload,
                    }),
                    Err(refused) => {
                        let raw = refused.raw.as_deref();
                        self.give_up(&entry, &refused.reason, raw, refused.verified, delivered)
                            .await?
                    }
                }
            }
            if !good.is_empty() {
                return Ok(good);
            }
        }
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
                .member
                .bus
                .redis_client()
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            self.reader = Some(conn.clone());
            Ok(conn)
        }
    }

    /// How many times each of this consumer's pending entries from `first` to `last` was
    /// handed out.
    async fn delivery_counts(
        &self,
        first: &str,
        last: &str,
    ) -> Result<Vec<(String, u64)>, BusError> {
        hold::pending_with(&self.member, first, last).await
    }

    /// Of the entries `ids` (one batch, oldest first), those still pending with this consumer,
    /// refreshed so that no other consumer takes them over while this one is still at them.
    ///
    /// A stage that waits out a long outage holding a batch calls this before each new try:
    /// an entry another consumer took over meanwhile is that consumer's to finish, and handling
    /// it here too could greet twice.
    pub async fn still_mine(&self, ids: &[&str]) -> Result<Vec<String>, BusError> {
        hold::refresh(&self.member, self.redelivery, ids).await
    }

    /// Keeps the entries `ids` (one batch, oldest first) this consumer's while the returned
    /// [`Hold`] lives: every quarter of `claim_idle` their idle time is reset, so however long
    /// the work on them takes (a slow wiki, a huge page), no other replica takes them over and
    /// acts on them too.
    pub fn hold(&self, ids: &[&str]) -> Hold {
        Hold::start(self.member.clone(), self.redelivery, ids)
    }

    /// Hands back every entry this consumer holds but has not acked: they are marked idle for
    /// longer than `claim_idle`, so whichever consumer looks next takes them over at once
    /// instead of waiting `claim_idle`. For a stage that stops with entries read but not acted
    /// on. Returns how many.
    pub async fn hand_back(&self) -> Result<usize, BusError> {
        hold::hand_back(&self.member, self.redelivery).await
    }

    /// A commit that will also ack entries of this consumer's stream.
    pub fn commit_builder(&self) -> Commit {
        self.member.bus.commit_builder()
    }

    /// Adds the ack of `id` to `commit`.
    pub fn ack(&self, commit: &mut Commit, id: &str) {
        commit.ack(self.member.stream, self.member.stage, id);
    }

    /// The CONSUMER span to handle `entry` in: it continues the trace the entry was sent in,
    /// so everything logged or sent inside it belongs to the entry's request.
    pub fn process_span(&self, entry: &Delivery<T>) -> tracing::Span {
        let at = Processing {
            stream: self.member.stream,
            group: self.member.stage,
            consumer: &self.member.name,
            entry: &entry.id,
            programme: self.member.bus.keys().scope(),
        };
        process_span(at, entry.traceparent.as_deref())
    }

    /// The CONSUMER span of a batch handled as one (one statement for all of it), linked to
    /// each entry's trace. Each entry still gets its [`Consumer::process_span`].
    pub fn batch_span(&self, batch: &[Delivery<T>]) -> tracing::Span {
        let traceparents = batch.iter().map(|e| e.traceparent.as_deref());
        batch_span(
            self.member.stream,
            self.member.stage,
            self.member.bus.keys().scope(),
            traceparents,
            batch.len(),
        )
    }

    /// Adds to `commit` the move of `entry` to the dead-letter stream, with `reason` and its
    /// delivery count, and its ack: a stage that dead-letters some entries of a batch and
    /// emits the others does both in one MULTI/EXEC.
    pub async fn dead_letter_in(
        &self,
        commit: &mut Commit,
        entry: &Delivery<T>,
        reason: &str,
    ) -> Result<(), BusError>
    where
        T: Serialize,
    {
        let deliveries = dead_letter::deliveries(&self.member, &entry.id).await?;
        // Re-encoded from the decoded payload: it decoded, so nothing is lost.
        let payload = serde_json::to_string(&entry.payload)?;
        let given_up = Given {
            id: &entry.id,
            payload: Some(&payload),
            traceparent: entry.traceparent.as_deref(),
            // It was handed out, so its signature verified.
            verified: true,
        };
        dead_letter::add(commit, &self.member, given_up, reason, deliveries);
        Ok(())
    }

    /// Dead-letters an entry as read, keeping its trace context.
    async fn give_up(
        &self,
        entry: &StreamId,
        reason: &str,
        payload: Option<&str>,
        verified: bool,
        deliveries: u64,
    ) -> Result<(), BusError> {
        let traceparent: Option<String> = entry.get(TRACEPARENT);
        let given_up = Given {
            id: &entry.id,
            payload,
            traceparent: traceparent.as_deref(),
            verified,
        };
        dead_letter::give_up(&self.member, given_up, reason, deliveries).await
    }
}
