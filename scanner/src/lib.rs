//! MatchBot's scanner: finds new requests on the wiki and keeps the mentor pool.
//!
//! # Brief overview
//!
//! Each scan lists, per request category, the members added since the category's cursor (less
//! an overlap window, for category links that show up late), keeps subpages of `pages.main`,
//! and turns each new (profile, category, add time) into a [`Request`] whose learner is the
//! profile's creator. The requests, the mentor pool (re-read whenever there are requests, and
//! otherwise every `scanner.pool_refresh_seconds`), the ids seen and the new cursors are written
//! in one MULTI/EXEC: a cursor never moves past a request that is not on the stream, so a crash
//! loses nothing (the original advanced its cursor first and lost learners, defect 1), and the
//! seen-set means the overlap never emits a request twice (defect 2).
//!
//! # Layout
//!
//! - `creators`: profile page → creator, remembered.
//! - `pool`: reading the mentor pool.
//! - this file: the scan and the worker loop.

mod creators;
mod pool;

use std::time::Instant;

use matchbot_bus::{Bus, BusError, MENTOR_POOL, Stream};
use matchbot_config::{Config, PageRef, Request, RequestId, Timestamp};
use matchbot_runtime::{Shutdown, Transient, retry};
use matchbot_wiki::Client;
use redis::AsyncCommands;

use crate::creators::Creators;

/// Where a first scan starts (under the prefix): set once, from `--since`, the configuration
/// or the clock; no scan looks earlier than this.
const SINCE_KEY: &str = "scanner:since";
/// Per request category, the wiki's time at the last scan (under the prefix).
const CURSOR_KEY: &str = "scanner:cursor:";
/// Request ids already emitted, scored by category-add time (under the prefix).
const SEEN_KEY: &str = "scanner:seen";

/// How the scanner runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Scan once, then return.
    pub once: bool,
    /// Where a first scan starts; ignored once the scanner has a cursor.
    pub since: Option<Timestamp>,
}

/// What went wrong, beyond one page.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The wiki failed (after the client's own retries).
    #[error("wiki: {0}")]
    Wiki(#[from] matchbot_wiki::Error),
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// Redis failed outside the bus.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A value could not be encoded (a bug).
    #[error("cannot encode: {0}")]
    Encode(serde_json::Error),
}

impl Transient for ScanError {
    fn is_transient(&self) -> bool {
        match self {
            ScanError::Wiki(e) => e.is_transient(),
            ScanError::Bus(e) => e.is_transient(),
            ScanError::Redis(e) => matchbot_bus::is_transient(e),
            ScanError::Encode(_) => false,
        }
    }
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Scans made.
    pub scans: usize,
    /// Requests put on the stream.
    pub requests: usize,
}

/// Runs the scanner until `shutdown` fires (or once, with `options.once`).
pub async fn run(
    config: &Config,
    options: Options,
    shutdown: Shutdown,
) -> Result<Summary, ScanError> {
    let mut summary = Summary::default();
    let Some(wiki) = retry(&shutdown, "logging in to the wiki", async || {
        Client::for_bot(&config.wiki).await.map_err(ScanError::from)
    })
    .await?
    else {
        return Ok(summary);
    };
    let Some(bus) = retry(&shutdown, "connecting to Redis", async || {
        Bus::from_config(&config.redis)
            .await
            .map_err(ScanError::from)
    })
    .await?
    else {
        return Ok(summary);
    };
    let mut scanner = Scanner {
        config,
        wiki,
        bus,
        creators: Creators::new(),
        pool_read_at: None,
    };
    loop {
        // A scan half done when the wiki or Redis went away wrote nothing (its writes are one
        // MULTI/EXEC at the end), so it is simply done again.
        let Some(found) = retry(&shutdown, "scanning", async || {
            scanner.scan(options.since).await
        })
        .await?
        else {
            break;
        };
        summary.requests += found;
        summary.scans += 1;
        if options.once || shutdown.sleep(config.scanner.poll_interval).await {
            break;
        }
    }
    Ok(summary)
}

struct Scanner<'a> {
    config: &'a Config,
    wiki: Client,
    bus: Bus,
    creators: Creators,
    pool_read_at: Option<Instant>,
}

impl Scanner<'_> {
    /// One scan; returns how many requests it put on the stream.
    async fn scan(&mut self, since: Option<Timestamp>) -> Result<usize, ScanError> {
        let scanned_at = Timestamp::now();
        let floor = self.floor(since).await?;
        let overlap = self.config.scanner.overlap.as_secs() as i64;
        let mut conn = self.bus.connection();
        let mut requests = Vec::new();
        let mut cursors = Vec::new();
        let mut oldest_from = floor;
        for skill in &self.config.skills {
            let category = &skill.request_category;
            let cursor: Option<String> = conn.get(self.bus.key(&cursor_key(category))).await?;
            let from = cursor
                .and_then(|c| Timestamp::parse(&c).ok())
                .map_or(floor, |c| c.plus_seconds(-overlap).max(floor));
            oldest_from = oldest_from.min(from);
            let listing = self.wiki.category_members(category, Some(from)).await?;
            for member in listing.members {
                if !self.config.pages.is_profile(&member.title) || member.timestamp < from {
                    continue;
                }
                let request_id = RequestId::new(member.pageid, category, member.timestamp);
                let seen: Option<f64> = conn
                    .zscore(self.bus.key(SEEN_KEY), request_id.as_str())
                    .await?;
                if seen.is_some()
                    || requests
                        .iter()
                        .any(|r: &Request| r.request_id == request_id)
                {
                    continue;
                }
                let Some(learner) = self
                    .creators
                    .get(&self.wiki, &self.bus, member.pageid)
                    .await?
                else {
                    tracing::warn!(profile = %member.title, "request on a profile with no known creator; skipped");
                    continue;
                };
                tracing::info!(request = %request_id, learner = %learner.name, category = %category, "new request");
                requests.push(Request {
                    request_id,
                    profile: PageRef {
                        id: member.pageid,
                        title: member.title,
                    },
                    category: category.clone(),
                    category_added: member.timestamp,
                    learner,
                    scanned_at,
                });
            }
            cursors.push((cursor_key(category), listing.server_time));
        }

        let pool_is_stale = self
            .pool_read_at
            .is_none_or(|t| t.elapsed() >= self.config.scanner.pool_refresh);
        let mut commit = self.bus.commit_builder();
        if !requests.is_empty() || pool_is_stale {
            let pool = pool::read(self.config, &self.wiki, &self.bus, &mut self.creators).await?;
            commit.set(
                MENTOR_POOL,
                &serde_json::to_string(&pool).map_err(ScanError::Encode)?,
            );
            self.pool_read_at = Some(Instant::now());
        }
        for request in &requests {
            commit.emit(Stream::Requests, request)?;
            commit.zadd(
                SEEN_KEY,
                request.request_id.as_str(),
                request.category_added.unix(),
            );
        }
        for (key, time) in &cursors {
            commit.set(key, &time.to_string());
        }
        // Ids older than any scan can look at again are no longer needed to de-duplicate.
        commit.zremrangebyscore_below(SEEN_KEY, oldest_from.unix() - 86_400);
        self.bus.commit(commit).await?;
        Ok(requests.len())
    }

    /// Where scans may start: stored on the first scan from `--since`, the configuration, or now.
    async fn floor(&self, since: Option<Timestamp>) -> Result<Timestamp, ScanError> {
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
        let floor = since
            .or(self.config.scanner.since)
            .unwrap_or_else(Timestamp::now);
        let () = conn.set(&key, floor.to_string()).await?;
        tracing::info!(since = %floor, "first scan: requests from this time on are handled");
        Ok(floor)
    }
}

fn cursor_key(category: &str) -> String {
    format!("{CURSOR_KEY}{category}")
}
