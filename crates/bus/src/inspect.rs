//! What `matchbot status` and `matchbot dlq` read and change.

use std::collections::HashMap;

use redis::{AsyncTypedCommands, Value};
use serde::Serialize;

use crate::consumer::{roll_key, unix_seconds};
use crate::stream::{DEAD_LETTER_MAX_LEN, EntryId, PAYLOAD, TRACEPARENT, append};
use crate::{Bus, BusError, Stream};

/// A stream as `matchbot status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StreamStatus {
    /// The stream's name, without the prefix.
    pub stream: String,
    /// Entries in it (handled ones included, up to the cap).
    pub length: u64,
    /// Its consumer groups: one per stage that reads it.
    pub groups: Vec<GroupStatus>,
}

/// One stage's consumer group on a stream.
#[derive(Debug, Clone, Serialize)]
pub struct GroupStatus {
    /// The group's name: the stage.
    pub group: String,
    /// Entries handed out and not yet acked.
    pub pending: u64,
    /// Entries not yet handed out; `None` when Redis cannot tell (after a trim or deletion).
    pub lag: Option<u64>,
    /// Seconds since the oldest pending entry was added to the stream.
    pub oldest_pending_seconds: Option<u64>,
    /// The group's members.
    pub consumers: Vec<ConsumerStatus>,
}

/// One member of a group: one worker process, past or present.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumerStatus {
    /// Its name (`<stage>-<host>-<pid>` unless set).
    pub name: String,
    /// Entries it holds.
    pub pending: u64,
    /// Seconds since Redis last handed it an entry (Redis 7.0 does not count reads that found
    /// nothing).
    pub idle_seconds: u64,
    /// Seconds since it last read, found or not; `None` if it never said. A working stage reads
    /// every few seconds; the name of one that stopped stays in the group for a day.
    pub last_read_seconds: Option<u64>,
}

/// An entry of the dead-letter stream.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    /// Its id in the dead-letter stream.
    pub id: String,
    /// Seconds since it was given up.
    pub age_seconds: u64,
    /// The stage that gave it up.
    pub stage: String,
    /// The stream it came from.
    pub stream: String,
    /// Its id there.
    pub entry: String,
    /// Why it was given up.
    pub reason: String,
    /// How many times it had been handed out.
    pub deliveries: u64,
    /// Its payload (empty when the entry was trimmed before it could be read).
    pub payload: String,
    /// The trace it was sent in, if any.
    pub traceparent: Option<String>,
}

/// Why a dead-letter entry cannot be put back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryRefused {
    /// No entry has that id.
    #[error("{0}: no such entry in the dead-letter stream")]
    Unknown(String),
    /// Its body was trimmed away before it was read: there is nothing to send again.
    #[error("{0}: its payload was lost before it was read; there is nothing to retry")]
    NoPayload(String),
    /// It names a stream that is not one of MatchBot's.
    #[error("{id}: it came from {stream:?}, which is not a stream a stage reads")]
    UnknownStream {
        /// The dead-letter entry.
        id: String,
        /// The stream it names.
        stream: String,
    },
}

impl Bus {
    /// The server's clock, in milliseconds: entry ids are stamped with it, so ages are
    /// measured against it rather than this machine's.
    pub(crate) async fn server_ms(&self) -> Result<u64, BusError> {
        let mut conn = self.connection();
        let (seconds, micros): (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await?;
        Ok(seconds * 1000 + micros / 1000)
    }

    /// The state of `stream` and of the groups reading it.
    pub async fn stream_status(&self, stream: Stream) -> Result<StreamStatus, BusError> {
        let key = self.key(stream.name());
        let mut conn = self.connection();
        let now = self.server_ms().await?;
        let length = conn.xlen(&key).await?;
        let mut status = StreamStatus {
            stream: stream.name().to_owned(),
            length: length as u64,
            groups: Vec::new(),
        };
        if length == 0 && !conn.exists(&key).await? {
            return Ok(status);
        }
        let groups: Vec<HashMap<String, Value>> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(&key)
            .query_async(&mut conn)
            .await?;
        for group in groups {
            let Some(name) = text(&group, "name") else {
                continue;
            };
            // The summary form: count, smallest and greatest pending id, holders.
            let (pending, oldest, _, _): (u64, Option<String>, Option<String>, Value) =
                redis::cmd("XPENDING")
                    .arg(&key)
                    .arg(&name)
                    .query_async(&mut conn)
                    .await?;
            let consumers: Vec<HashMap<String, Value>> = redis::cmd("XINFO")
                .arg("CONSUMERS")
                .arg(&key)
                .arg(&name)
                .query_async(&mut conn)
                .await?;
            let roll: Vec<(String, i64)> = conn
                .zrange_withscores(self.key(&roll_key(&name)), 0, -1)
                .await?
                .into_iter()
                .map(|(consumer, at)| (consumer, at as i64))
                .collect();
            let last_read = |consumer: &str| {
                roll.iter()
                    .find(|(c, _)| c == consumer)
                    .map(|(_, at)| unix_seconds().saturating_sub(*at).max(0) as u64)
            };
            status.groups.push(GroupStatus {
                pending,
                lag: number(&group, "lag"),
                oldest_pending_seconds: oldest
                    .as_deref()
                    .and_then(EntryId::parse)
                    .map(|id| id.ms)
                    .map(|added| now.saturating_sub(added) / 1000),
                consumers: consumers
                    .iter()
                    .filter_map(|c| {
                        let name = text(c, "name")?;
                        Some(ConsumerStatus {
                            last_read_seconds: last_read(&name),
                            pending: number(c, "pending").unwrap_or(0),
                            idle_seconds: number(c, "idle").unwrap_or(0) / 1000,
                            name,
                        })
                    })
                    .collect(),
                group: name,
            });
        }
        Ok(status)
    }

    /// Every entry of the dead-letter stream, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, BusError> {
        let now = self.server_ms().await?;
        let mut conn = self.connection();
        let reply = conn
            .xrange_count(
                self.key(Stream::DeadLetter.name()),
                "-",
                "+",
                DEAD_LETTER_MAX_LEN,
            )
            .await?;
        Ok(reply
            .ids
            .into_iter()
            .map(|entry| {
                let field = |name: &str| entry.get::<String>(name).unwrap_or_default();
                DeadLetter {
                    age_seconds: EntryId::parse(&entry.id)
                        .map_or(0, |id| now.saturating_sub(id.ms) / 1000),
                    stage: field("stage"),
                    stream: field("stream"),
                    entry: field("entry"),
                    reason: field("reason"),
                    deliveries: field("deliveries").parse().unwrap_or(0),
                    payload: field(PAYLOAD),
                    traceparent: entry.get(TRACEPARENT),
                    id: entry.id,
                }
            })
            .collect())
    }

    /// Puts the dead-letter entries `ids` back on the streams they came from, as new entries
    /// with their payload and trace, and removes them from the dead-letter stream: all in one
    /// MULTI/EXEC, or nothing if any of them cannot be put back.
    pub async fn retry_dead_letters(&self, ids: &[String]) -> Result<Vec<String>, RetryError> {
        let letters = self.dead_letters().await?;
        let mut refused = Vec::new();
        let mut pipe = redis::pipe();
        pipe.atomic();
        for id in ids {
            let Some(letter) = letters.iter().find(|l| &l.id == id) else {
                refused.push(RetryRefused::Unknown(id.clone()));
                continue;
            };
            let stream = match Stream::from_name(&letter.stream) {
                Some(s) if s != Stream::DeadLetter => s,
                _ => {
                    refused.push(RetryRefused::UnknownStream {
                        id: id.clone(),
                        stream: letter.stream.clone(),
                    });
                    continue;
                }
            };
            if letter.payload.is_empty() {
                refused.push(RetryRefused::NoPayload(id.clone()));
                continue;
            }
            let mut fields = vec![(PAYLOAD, letter.payload.as_str())];
            if let Some(traceparent) = &letter.traceparent {
                fields.push((TRACEPARENT, traceparent));
            }
            append(&mut pipe, self, stream, &fields);
            pipe.xdel(self.key(Stream::DeadLetter.name()), &[id])
                .ignore();
        }
        if !refused.is_empty() {
            return Err(RetryError::Refused(refused));
        }
        let mut conn = self.connection();
        let new_ids: Vec<String> = pipe.query_async(&mut conn).await.map_err(BusError::from)?;
        Ok(new_ids)
    }

    /// Removes the dead-letter entries `ids` for good; returns how many there were.
    pub async fn drop_dead_letters(&self, ids: &[String]) -> Result<u64, BusError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut conn = self.connection();
        let removed = conn.xdel(self.key(Stream::DeadLetter.name()), ids).await?;
        Ok(removed as u64)
    }

    /// The value of plain key `name` (under the prefix), if set.
    pub async fn get(&self, name: &str) -> Result<Option<String>, BusError> {
        let mut conn = self.connection();
        Ok(conn.get(self.key(name)).await?)
    }
}

/// Why `matchbot dlq retry` did nothing.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// Some entries cannot be put back; none were.
    #[error("nothing was retried: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<RetryRefused>),
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// Field `name` of an XINFO reply, as text.
pub(crate) fn text(fields: &HashMap<String, Value>, name: &str) -> Option<String> {
    redis::from_redis_value_ref(fields.get(name)?).ok()
}

/// Field `name` of an XINFO reply, as a number.
pub(crate) fn number(fields: &HashMap<String, Value>, name: &str) -> Option<u64> {
    redis::from_redis_value_ref(fields.get(name)?).ok()
}
