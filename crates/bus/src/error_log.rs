//! The error log's stream: problems for the on-wiki error log, from any worker, read by the
//! notifier that publishes them.
//!
//! Like every other entry, each is signed: Redis is shared and anyone may XADD to the stream, so
//! a reader passes over what does not verify, and nothing forged reaches the wiki. The stream is
//! capped by length, since only its newest entries are ever shown. Beside it, the publisher
//! keeps the id of the newest entry it published and its turn (one edit per interval, across
//! every notifier replica).

use std::time::Duration;

use matchbot_model::ErrorLogEntry;
use redis::AsyncTypedCommands;
use redis::streams::{StreamAddOptions, StreamTrimStrategy, StreamTrimmingMode};

use crate::bus::Bus;
use crate::commit::Commit;
use crate::error::BusError;
use crate::keys::Keys;
use crate::stream::{PAYLOAD, SIG};

/// The stream's name (without the prefix), and what its entries are signed as.
const ERROR_LOG: &str = "error-log";
/// The newest entry the log page shows (an entry id), as its publisher last saved it.
const PUBLISHED: &str = "errors:published";
/// Held, with an expiry, by the replica whose turn it is to publish.
const TURN: &str = "errors:turn";

/// The stream keeps about this many entries; the page shows at most `errors.keep` of them.
pub(crate) const ERROR_LOG_MAX_LEN: usize = 1000;

/// An entry of the error log as read back: its stream id (ordered by time) and what it says,
/// with its texts bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedError {
    /// The stream entry's id.
    pub id: String,
    /// The entry.
    pub entry: ErrorLogEntry,
}

/// Adds `json`, signed, to the error log's stream in `pipe`.
fn append(pipe: &mut redis::Pipeline, keys: &Keys, json: &str) {
    let sig = keys.sign(ERROR_LOG, json);
    let capped = StreamAddOptions::default().trim(StreamTrimStrategy::maxlen(
        StreamTrimmingMode::Approx,
        ERROR_LOG_MAX_LEN,
    ));
    pipe.xadd_options(
        keys.key(ERROR_LOG),
        "*",
        &[(PAYLOAD, json), (SIG, sig.as_str())],
        &capped,
    )
    .ignore();
}

impl Commit {
    /// Adds `entry` to the error log, landing with the rest of the commit.
    pub fn log_error(&mut self, entry: &ErrorLogEntry) -> Result<(), BusError> {
        let json = serde_json::to_string(&entry.bounded())?;
        let keys = self.keys().clone();
        append(self.pipe_mut(), &keys, &json);
        self.count_one();
        Ok(())
    }
}

impl Bus {
    /// Adds `entry` to the error log now.
    pub async fn log_error(&self, entry: &ErrorLogEntry) -> Result<(), BusError> {
        let mut commit = self.commit_builder();
        commit.log_error(entry)?;
        self.commit(commit).await
    }

    /// Adds `entry` to the error log unless an entry `once` was added in the last `keep`
    /// (across every replica): for a problem noticed again and again, such as the daily edit
    /// cap, which the log names once a day. True when it was added.
    pub async fn log_error_once(
        &self,
        once: &str,
        keep: Duration,
        entry: &ErrorLogEntry,
    ) -> Result<bool, BusError> {
        if !self
            .set_new(&format!("errors:once:{once}"), "1", keep)
            .await?
        {
            return Ok(false);
        }
        self.log_error(entry).await?;
        Ok(true)
    }

    /// The newest `count` entries of the error log, newest first. Entries that do not verify or
    /// do not parse are passed over (with a warning): they are not MatchBot's, and do not take
    /// the place of one that is. At most the whole capped stream is read.
    pub async fn newest_errors(&self, count: usize) -> Result<Vec<LoggedError>, BusError> {
        let count = count.min(ERROR_LOG_MAX_LEN);
        let mut conn = self.connection();
        let mut logged = Vec::with_capacity(count);
        let (mut looked_at, mut passed_over) = (0usize, 0usize);
        let mut before = "+".to_owned();
        while logged.len() < count && looked_at < ERROR_LOG_MAX_LEN {
            let reply = conn
                .xrevrange_count(self.key(ERROR_LOG), &before, "-", count - logged.len())
                .await?;
            let Some(last) = reply.ids.last() else {
                break;
            };
            // Exclusive: the next page starts before the last entry read.
            before = format!("({}", last.id);
            looked_at += reply.ids.len();
            for raw in reply.ids {
                match self.verified_entry(&raw) {
                    Some(entry) => logged.push(LoggedError { id: raw.id, entry }),
                    None => passed_over += 1,
                }
            }
        }
        if passed_over > 0 {
            tracing::warn!(
                passed_over,
                "error-log entries not signed by MatchBot or unreadable: passed over"
            );
        }
        Ok(logged)
    }

    /// The entry `raw` holds, if MatchBot signed it and it parses; its texts bounded.
    fn verified_entry(&self, raw: &redis::streams::StreamId) -> Option<ErrorLogEntry> {
        let payload: String = raw.get(PAYLOAD)?;
        let sig: Option<String> = raw.get(SIG);
        self.keys()
            .verify(ERROR_LOG, &payload, sig.as_deref())
            .ok()?;
        let entry: ErrorLogEntry = serde_json::from_str(&payload).ok()?;
        Some(entry.bounded())
    }

    /// The id of the newest entry the log page shows, as its publisher saved it.
    pub async fn published_error(&self) -> Result<Option<String>, BusError> {
        self.value(PUBLISHED).await
    }

    /// Notes that the log page now shows entries up to `id`.
    pub async fn set_published_error(&self, id: &str) -> Result<(), BusError> {
        self.set_value(PUBLISHED, id).await
    }

    /// Takes the turn to publish the log for `holder`, if no replica took it in the last
    /// `interval`: true when it is `holder`'s. The turn is never handed back, so the page is
    /// edited at most once per interval whatever happens to the edit.
    pub async fn take_error_log_turn(
        &self,
        holder: &str,
        interval: Duration,
    ) -> Result<bool, BusError> {
        self.set_new(TURN, holder, interval).await
    }
}
