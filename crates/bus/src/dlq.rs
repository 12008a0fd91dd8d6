//! What `matchbot dlq` reads and changes: the entries no stage could handle.

use redis::AsyncTypedCommands;
use serde::Serialize;

use crate::bus::Bus;
use crate::commit::dead_letter_of;
use crate::error::BusError;
use crate::stream::{
    DEAD_LETTER_MAX_LEN, EntryId, PAYLOAD, SIG, Stream, TRACEPARENT, append_signed,
};

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
    /// Whether its payload is MatchBot's own: it verified when it was given up, and the dead
    /// letter's own signature holds. Only these can be retried.
    pub verified: bool,
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
    /// Its payload was never verified as MatchBot's own (it was unsigned or forged when it was
    /// given up, or the dead letter itself was written by someone else): putting it back would
    /// sign a forgery.
    #[error(
        "{0}: its payload is not MatchBot's own (unsigned or forged); it is not put back, drop it"
    )]
    NotOurs(String),
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
                    verified: Stream::from_name(&field("stream")).is_some_and(|from| {
                        let sig: Option<String> = entry.get(SIG);
                        let what = dead_letter_of(from);
                        self.keys()
                            .verify(&what, &field(PAYLOAD), sig.as_deref())
                            .is_ok()
                    }),
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
            if !letter.verified {
                refused.push(RetryRefused::NotOurs(id.clone()));
                continue;
            }
            let traceparent = letter.traceparent.as_deref();
            append_signed(&mut pipe, self.keys(), stream, &letter.payload, traceparent);
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
