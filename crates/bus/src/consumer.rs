use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::AsyncTypedCommands;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamId, StreamReadOptions, StreamReadReply};
use serde::de::DeserializeOwned;

use crate::stream::{MAX_LEN, PAYLOAD};
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
}

/// A stage's reader on one stream, as one named member of the stage's consumer group.
///
/// It first re-reads its own pending entries (delivered before a crash, never acked), then new
/// ones. Blocking reads run on a connection of their own whose response timeout exceeds `BLOCK`:
/// redis-rs's default 500 ms timeout would abandon a read the server still completes, leaving an
/// entry delivered to nobody who is listening (research/rust-ecosystem.md §2.6, P1 and P2).
pub struct Consumer {
    bus: Bus,
    reader: MultiplexedConnection,
    stream: Stream,
    key: String,
    stage: String,
    name: String,
    block: Duration,
    /// While `Some`, this consumer is re-reading its own pending list, from after this id.
    pending_after: Option<String>,
}

impl Consumer {
    pub(crate) async fn join(
        bus: &Bus,
        stream: Stream,
        stage: &str,
        name: &str,
        block: Duration,
    ) -> Result<Consumer, BusError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(block * 2 + Duration::from_secs(10)));
        let reader = bus
            .redis_client()
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
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
            reader,
            stream,
            key,
            stage: stage.to_owned(),
            name: name.to_owned(),
            block,
            pending_after: Some("0".to_owned()),
        })
    }

    /// Reads up to `count` entries: this consumer's own pending ones first, then new ones,
    /// waiting up to the consumer's `BLOCK` time for new ones when `wait` is true.
    ///
    /// An empty result means there is nothing to do. Entries that cannot be decoded as `T` are
    /// dead-lettered here and never returned.
    ///
    /// Cancel safety: not cancel safe. A dropped read may still deliver entries server-side,
    /// which then sit in this consumer's pending list until it re-reads it. Never race it
    /// against shutdown in a `select!`; check for shutdown between reads instead.
    pub async fn read<T: DeserializeOwned>(
        &mut self,
        count: usize,
        wait: bool,
    ) -> Result<Vec<Delivery<T>>, BusError> {
        loop {
            let mut options = StreamReadOptions::default()
                .group(&self.stage, &self.name)
                .count(count);
            let from = match &self.pending_after {
                Some(after) => after.clone(),
                None => {
                    if wait {
                        options = options.block(self.block.as_millis() as usize);
                    }
                    ">".to_owned()
                }
            };
            let reply: Option<StreamReadReply> = self
                .reader
                .xread_options(&[&self.key], &[&from], &options)
                .await?;
            let entries: Vec<StreamId> = reply
                .into_iter()
                .flat_map(|r| r.keys)
                .flat_map(|k| k.ids)
                .collect();
            if self.pending_after.is_some() {
                match entries.last() {
                    None => {
                        self.pending_after = None;
                        continue;
                    }
                    Some(last) => self.pending_after = Some(last.id.clone()),
                }
            } else if entries.is_empty() {
                return Ok(Vec::new());
            }
            let mut good = Vec::with_capacity(entries.len());
            for entry in entries {
                match decode(&entry) {
                    Ok(payload) => good.push(Delivery {
                        id: entry.id,
                        payload,
                    }),
                    Err((reason, raw)) => {
                        self.dead_letter(&entry.id, &reason, raw.as_deref()).await?
                    }
                }
            }
            if !good.is_empty() {
                return Ok(good);
            }
        }
    }

    /// A commit that will also ack entries of this consumer's stream.
    pub fn commit_builder(&self) -> Commit {
        self.bus.commit_builder()
    }

    /// Adds the ack of `id` to `commit`.
    pub fn ack(&self, commit: &mut Commit, id: &str) {
        commit.ack(self.stream, &self.stage, id);
    }

    /// Moves entry `id` to the dead-letter stream with `reason`, and acks it, in one MULTI/EXEC.
    pub async fn dead_letter(
        &self,
        id: &str,
        reason: &str,
        payload: Option<&str>,
    ) -> Result<(), BusError> {
        let deliveries = self.deliveries(id).await.unwrap_or(0);
        tracing::error!(
            stream = %self.stream,
            stage = %self.stage,
            entry = id,
            deliveries,
            reason,
            "entry moved to the dead-letter stream"
        );
        let dead_letter = self.bus.key(Stream::DeadLetter.name());
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("XADD")
            .arg(&dead_letter)
            .arg("MAXLEN")
            .arg("~")
            .arg(MAX_LEN)
            .arg("*")
            .arg("stage")
            .arg(&self.stage)
            .arg("stream")
            .arg(self.stream.name())
            .arg("entry")
            .arg(id)
            .arg("reason")
            .arg(reason)
            .arg("deliveries")
            .arg(deliveries)
            .arg(PAYLOAD)
            .arg(payload.unwrap_or(""))
            .ignore()
            .xack(&self.key, &self.stage, &[id])
            .ignore();
        let mut conn = self.bus.connection();
        let () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    /// How many times `id` has been delivered to this group.
    async fn deliveries(&self, id: &str) -> Result<usize, BusError> {
        let mut conn = self.bus.connection();
        let reply = conn
            .xpending_count(&self.key, &self.stage, id, id, 1)
            .await?;
        Ok(reply.ids.first().map_or(0, |p| p.times_delivered))
    }
}

/// Decodes an entry's payload, or says why it cannot be (with the raw payload, if any).
fn decode<T: DeserializeOwned>(entry: &StreamId) -> Result<T, (String, Option<String>)> {
    if entry.map.is_empty() {
        return Err((
            "the entry was trimmed from the stream before it was handled".to_owned(),
            None,
        ));
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
