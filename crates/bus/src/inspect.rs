//! What `matchbot status` reads: each stream, the groups reading it, their consumers.

use std::collections::HashMap;

use redis::{AsyncTypedCommands, Value};
use serde::Serialize;

use crate::bus::Bus;
use crate::error::BusError;
use crate::fields::{number, text};
use crate::stream::{EntryId, Stream};
use crate::time::unix_seconds;
use crate::upkeep::roll_key;

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

impl Bus {
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
}
