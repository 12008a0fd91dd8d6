//! What the scanner keeps in Redis (under the prefix) between polls and restarts: where scans
//! start, the watchlist cursor, and what it has seen. Reads happen at once; writes are added
//! to the poll's or reconcile's commit, so they land with the requests they account for.

use std::collections::HashSet;

use matchbot_bus::{Bus, Commit};
use matchbot_config::{Request, RequestId, Timestamp};
use matchbot_wiki::CategoryChange;
use redis::AsyncCommands;

use crate::ScanError;

/// Where a first scan starts: set once, from `--since`, the configuration or the clock; no
/// request whose category was added earlier is handed out.
const SINCE_KEY: &str = "scanner:since";
/// The wiki's time at the last poll (`matchbot status` reads it too).
const CURSOR_KEY: &str = matchbot_bus::SCANNER_CURSOR;
/// Request ids handed out, scored by when (unix seconds).
const REQUESTS_KEY: &str = "scanner:seen";
/// Category changes already looked at, scored by their time.
const CHANGES_KEY: &str = "scanner:changes";

/// How long a handed-out request id is remembered. Past that, the `matches` table answers for
/// it at the reconcile.
const REMEMBER_REQUESTS_SECONDS: i64 = 90 * 86_400;
/// How long a change is remembered beyond the overlap window that can show it again.
const REMEMBER_CHANGES_SECONDS: i64 = 86_400;

pub(crate) struct State {
    bus: Bus,
}

impl State {
    pub(crate) fn new(bus: &Bus) -> State {
        State { bus: bus.clone() }
    }

    /// Where scans start: the stored floor, or (on a first start) `since` or now, stored.
    pub(crate) async fn floor(&self, since: Option<Timestamp>) -> Result<Timestamp, ScanError> {
        let mut conn = self.bus.connection();
        let key = self.bus.key(SINCE_KEY);
        let stored: Option<String> = conn.get(&key).await?;
        if let Some(stored) = stored.and_then(|s| Timestamp::parse(&s).ok()) {
            if let Some(since) = since
                && since != stored
            {
                tracing::info!(%since, %stored, "--since ignored: this scanner already started from an earlier scan");
            }
            return Ok(stored);
        }
        let floor = since.unwrap_or_else(Timestamp::now);
        let () = conn.set(&key, floor.to_string()).await?;
        tracing::info!(since = %floor, "first scan: requests from this time on are handled");
        Ok(floor)
    }

    /// The wiki's time at the last poll, if there was one.
    pub(crate) async fn cursor(&self) -> Result<Option<Timestamp>, ScanError> {
        let mut conn = self.bus.connection();
        let cursor: Option<String> = conn.get(self.bus.key(CURSOR_KEY)).await?;
        Ok(cursor.and_then(|c| Timestamp::parse(&c).ok()))
    }

    /// Moves the cursor to `to` and forgets what no poll from there can show again.
    pub(crate) fn advance(&self, commit: &mut Commit, to: Timestamp, overlap_seconds: i64) {
        commit.set(CURSOR_KEY, &to.to_string());
        let forget_before = to.unix() - overlap_seconds - REMEMBER_CHANGES_SECONDS;
        commit.zremrangebyscore_below(CHANGES_KEY, forget_before);
        commit.zremrangebyscore_below(REQUESTS_KEY, to.unix() - REMEMBER_REQUESTS_SECONDS);
    }

    /// The keys of `changes` looked at before.
    pub(crate) async fn changes_seen(
        &self,
        changes: &[CategoryChange],
    ) -> Result<HashSet<String>, ScanError> {
        if changes.is_empty() {
            return Ok(HashSet::new());
        }
        let keys: Vec<String> = changes.iter().map(CategoryChange::key).collect();
        let mut conn = self.bus.connection();
        let scores: Vec<Option<f64>> = redis::cmd("ZMSCORE")
            .arg(self.bus.key(CHANGES_KEY))
            .arg(&keys)
            .query_async(&mut conn)
            .await?;
        Ok(keys
            .into_iter()
            .zip(scores)
            .filter_map(|(key, score)| score.map(|_| key))
            .collect())
    }

    pub(crate) fn see_change(&self, commit: &mut Commit, change: &CategoryChange) {
        commit.zadd(CHANGES_KEY, &change.key(), change.timestamp.unix());
    }

    /// True when request `id` was handed out before.
    pub(crate) async fn request_seen(&self, id: &RequestId) -> Result<bool, ScanError> {
        let mut conn = self.bus.connection();
        let score: Option<f64> = conn.zscore(self.bus.key(REQUESTS_KEY), id.as_str()).await?;
        Ok(score.is_some())
    }

    pub(crate) fn see_request(&self, commit: &mut Commit, request: &Request) {
        commit.zadd(
            REQUESTS_KEY,
            request.request_id.as_str(),
            request.scanned_at.unix(),
        );
    }
}
