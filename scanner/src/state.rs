//! What the scanner keeps in Redis (under the prefix) between polls and restarts: where scans
//! start, the watchlist cursor, and what it has seen. Reads happen at once; writes are added
//! to the poll's or reconcile's commit, so they land with the requests they account for.

use std::collections::{HashMap, HashSet};

use matchbot_bus::{Bound, Bus, Commit, HELD_REQUESTS, REQUESTS, request_span};
use matchbot_model::{Request, RequestId, Timestamp};
use matchbot_wiki::CategoryChange;

use crate::error::ScanError;

/// Where a first scan starts: set once, from `--since`, the configuration or the clock; no
/// request whose category was added earlier is handed out.
const SINCE_KEY: &str = "scanner:since";
/// Request ids handed out, scored by when (unix seconds).
const REQUESTS_KEY: &str = "scanner:seen";
/// Request ids refused by the cooldown (no request at all), scored by when; kept as long as
/// the ids handed out.
const REFUSED_KEY: &str = "scanner:refused";
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
        let stored = self.bus.value(SINCE_KEY).await?;
        if let Some(stored) = stored.and_then(|s| Timestamp::parse(&s).ok()) {
            if let Some(since) = since
                && since != stored
            {
                tracing::info!(%since, %stored, "--since ignored: this scanner already started from an earlier scan");
            }
            return Ok(stored);
        }
        let floor = since.unwrap_or_else(Timestamp::now);
        self.bus.set_value(SINCE_KEY, &floor.to_string()).await?;
        tracing::info!(since = %floor, "first scan: requests from this time on are handled");
        Ok(floor)
    }

    /// The wiki's time at the last poll, if there was one.
    pub(crate) async fn cursor(&self) -> Result<Option<Timestamp>, ScanError> {
        Ok(self.bus.scanner_cursor().await?)
    }

    /// Moves the cursor to `to` and forgets what no poll from there can show again.
    pub(crate) fn advance(&self, commit: &mut Commit, to: Timestamp, overlap_seconds: i64) {
        commit.set_scanner_cursor(to);
        let forget_before = to.unix() - overlap_seconds - REMEMBER_CHANGES_SECONDS;
        commit.zremrangebyscore_below(CHANGES_KEY, forget_before);
        commit.zremrangebyscore_below(REQUESTS_KEY, to.unix() - REMEMBER_REQUESTS_SECONDS);
        commit.zremrangebyscore_below(REFUSED_KEY, to.unix() - REMEMBER_REQUESTS_SECONDS);
        commit.zremrangebyscore_below(HELD_REQUESTS, to.unix() - REMEMBER_REQUESTS_SECONDS);
    }

    /// The keys of `changes` looked at before.
    pub(crate) async fn changes_seen(
        &self,
        changes: &[CategoryChange],
    ) -> Result<HashSet<String>, ScanError> {
        let keys: Vec<String> = changes.iter().map(CategoryChange::key).collect();
        let members: Vec<&str> = keys.iter().map(String::as_str).collect();
        let seen = self.bus.present(CHANGES_KEY, &members).await?;
        Ok(seen.into_iter().map(str::to_owned).collect())
    }

    pub(crate) fn see_change(&self, commit: &mut Commit, change: &CategoryChange) {
        commit.zadd(CHANGES_KEY, &change.key(), change.timestamp.unix());
    }

    /// Of `ids`, those handed out before, with when (Unix seconds); one round trip for all.
    pub(crate) async fn requests_seen(
        &self,
        ids: impl Iterator<Item = &RequestId>,
    ) -> Result<HashMap<RequestId, i64>, ScanError> {
        let members: Vec<&str> = ids.map(RequestId::as_str).collect();
        let scores = self.bus.scores(REQUESTS_KEY, &members).await?;
        Ok(members
            .into_iter()
            .zip(scores)
            .filter_map(|(id, at)| Some((RequestId::from_stored(id.to_owned()), at?)))
            .collect())
    }

    /// Of `ids`, those refused before; one round trip for all.
    pub(crate) async fn requests_refused(
        &self,
        ids: impl Iterator<Item = &RequestId>,
    ) -> Result<HashSet<RequestId>, ScanError> {
        let members: Vec<&str> = ids.map(RequestId::as_str).collect();
        let refused = self.bus.present(REFUSED_KEY, &members).await?;
        Ok(refused
            .into_iter()
            .map(|id| RequestId::from_stored(id.to_owned()))
            .collect())
    }

    /// Of `ids`, those a gate holds (see `held`); one round trip for all.
    pub(crate) async fn held(
        &self,
        ids: impl Iterator<Item = &RequestId>,
    ) -> Result<Vec<RequestId>, ScanError> {
        let members: Vec<&str> = ids.map(RequestId::as_str).collect();
        let held = self.bus.present(HELD_REQUESTS, &members).await?;
        Ok(held
            .into_iter()
            .map(|id| RequestId::from_stored(id.to_owned()))
            .collect())
    }

    /// The requests a gate holds whose time has come by `now`, at most `most`, earliest first.
    pub(crate) async fn held_due(
        &self,
        now: Timestamp,
        most: usize,
    ) -> Result<Vec<RequestId>, ScanError> {
        let mut reads = self.bus.reads();
        let slot = reads.range(
            HELD_REQUESTS,
            Bound::Inclusive(i64::MIN),
            Bound::Inclusive(now.unix()),
        );
        let due = reads.run().await?.take(&slot)?;
        Ok(due
            .into_iter()
            .take(most)
            .map(|(id, _)| RequestId::from_stored(id))
            .collect())
    }

    /// Forgets that a gate holds `id`: it is handed out again, or no longer a request.
    pub(crate) fn unhold(&self, commit: &mut Commit, id: &RequestId) {
        commit.zrem(HELD_REQUESTS, id.as_str());
    }

    /// Notes `request` as refused: no scan looks at it again.
    pub(crate) fn refuse_request(&self, commit: &mut Commit, request: &Request) {
        commit.zadd(
            REFUSED_KEY,
            request.request_id.as_str(),
            request.scanned_at.unix(),
        );
    }

    /// Notes `request` as handed out at its scan's time (again, when it is handed out again).
    pub(crate) fn see_request(&self, commit: &mut Commit, request: &Request) {
        commit.zadd(
            REQUESTS_KEY,
            request.request_id.as_str(),
            request.scanned_at.unix(),
        );
    }

    /// Adds `requests` to `commit` in request order, each as the start of a trace of its own
    /// that follows it through every stage, and notes them as handed out; each names
    /// `settings`, the settings page's revision in use.
    pub(crate) fn hand_out(
        &self,
        commit: &mut Commit,
        requests: &mut [Request],
        settings: Option<u64>,
    ) -> Result<(), ScanError> {
        requests.sort_by(|a, b| a.order().cmp(&b.order()));
        for request in requests.iter_mut() {
            // The settings page's revision they were found under, for the workers after.
            request.settings = settings;
            let request = &*request;
            request_span(request.request_id.as_str()).in_scope(|| {
                tracing::info!(request = %request.request_id, learner = %request.learner.name, category = %request.category, "new request");
                commit.emit(REQUESTS, request)
            })?;
            self.see_request(commit, request);
        }
        Ok(())
    }
}
