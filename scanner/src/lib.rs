//! MatchBot's scanner: finds new requests on the wiki and keeps the mentor pool.
//!
//! # Brief overview
//!
//! The bot watches its request, mentor, general and opt-out categories. Every
//! `scanner.poll_seconds` the scanner asks the wiki for the category changes on its watchlist
//! since its cursor, less an overlap window for changes the wiki notes late: one API request
//! when nothing happened. A change names a page and a category but not whether the page went in
//! or out (that is only in the localised comment), so the pages changed are looked up
//! (`prop=categories`, with the creator in the same request when it is not known yet). A profile
//! now in a request category it was just put in is a new [`Request`]; a profile that joined or
//! left a mentor or opt-out category updates the pool.
//!
//! At start and every `scanner.reconcile_seconds` the scanner reconciles, as the DYK tools do:
//! it lists every request category in full and hands out each request since the floor that is
//! neither already handed out nor recorded in `matches` (the original MatchBot's rows count),
//! reads the mentor pool in full with the mentors' blocks, and puts back on the watchlist any
//! of its categories that fell off. So a change the watchlist never showed (the wiki's job queue
//! lost it, Redis lost the cursor) is found at the next reconcile at the latest.
//!
//! The requests, the pool, the ids seen and the new cursor are written in one MULTI/EXEC: the
//! cursor never moves past a request that is not on the stream, so a crash loses nothing (the
//! original advanced its cursor first and lost learners, defect 1), and the ids seen mean the
//! overlap never hands out a request twice (defect 2).
//!
//! A request withdrawn before its greeting (the category taken off the profile again) is not
//! retracted here: the notifier reads the profile's categories in the same request as the talk
//! page, right before it would post, and skips it.
//!
//! # Layout
//!
//! - `creators`: profile page → creator, remembered.
//! - `pool`: the mentor pool, read in full or updated from one page's changes.
//! - `state`: what the scanner keeps in Redis between polls and restarts.
//! - this file: the poll, the reconcile and the worker loop.

mod creators;
mod pool;
mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use matchbot_bus::{Bus, BusError, Commit, MENTOR_POOL, Stream, request_span};
use matchbot_config::{Config, MentorPool, PageRef, Request, RequestId, Timestamp, User};
use matchbot_db::{Db, DbError, RequestKey};
use matchbot_runtime::{Shutdown, Transient, retry};
use matchbot_wiki::{CategoryChange, Client, PageCategories};

use crate::creators::Creators;
use crate::state::State;

/// How the scanner runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reconcile, poll once, then return.
    pub once: bool,
    /// Where a first scan starts; ignored once the scanner has started once.
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
    /// The match database failed (the reconcile reads which requests were handled).
    #[error(transparent)]
    Db(#[from] DbError),
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
            ScanError::Db(e) => e.is_transient(),
            ScanError::Encode(_) => false,
        }
    }
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Polls of the watchlist.
    pub polls: usize,
    /// Reconciles.
    pub reconciles: usize,
    /// Requests put on the stream.
    pub requests: usize,
}

/// Runs the scanner until `shutdown` fires (or reconciles and polls once, with `options.once`).
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
    let db = Db::connect(&config.db);
    let Some(()) = retry(&shutdown, "checking the match database", async || {
        db.require_current_schema().await.map_err(ScanError::from)
    })
    .await?
    else {
        return Ok(summary);
    };
    let Some(floor) = retry(&shutdown, "reading where scans start", async || {
        State::new(&bus)
            .floor(options.since.or(config.scanner.since))
            .await
    })
    .await?
    else {
        return Ok(summary);
    };
    let mut scanner = Scanner {
        config,
        wiki,
        state: State::new(&bus),
        bus,
        db,
        creators: Creators::new(),
        pool: MentorPool::default(),
        floor,
    };
    let mut next_reconcile = Instant::now();
    loop {
        // A poll or reconcile half done when the wiki, Redis or MariaDB went away wrote nothing
        // (its writes are one MULTI/EXEC at the end), so it is simply done again.
        if Instant::now() >= next_reconcile {
            let Some(found) =
                retry(&shutdown, "reconciling", async || scanner.reconcile().await).await?
            else {
                break;
            };
            summary.requests += found;
            summary.reconciles += 1;
            next_reconcile = Instant::now() + config.scanner.reconcile_interval;
        }
        let Some(found) = retry(&shutdown, "polling the watchlist", async || {
            scanner.poll().await
        })
        .await?
        else {
            break;
        };
        summary.requests += found;
        summary.polls += 1;
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
    state: State,
    db: Db,
    creators: Creators,
    /// The pool as last written to Redis.
    pool: MentorPool,
    /// No request whose category was added before this is handed out.
    floor: Timestamp,
}

impl Scanner<'_> {
    /// One poll of the watchlist; returns how many requests it put on the stream.
    async fn poll(&mut self) -> Result<usize, ScanError> {
        let overlap = self.config.scanner.overlap.as_secs() as i64;
        let from = match self.state.cursor().await? {
            Some(cursor) => cursor.plus_seconds(-overlap).max(self.floor),
            None => self.floor,
        };
        let listing = self.wiki.category_changes(from).await?;
        let ours = self.categories();
        let mut changes: Vec<CategoryChange> = listing
            .changes
            .into_iter()
            .filter(|c| ours.contains(c.category.as_str()))
            .collect();
        // The overlap shows most changes again on the next polls: only new ones cost anything.
        let seen = self.state.changes_seen(&changes).await?;
        changes.retain(|c| !seen.contains(&c.key()));

        let mut commit = self.bus.commit_builder();
        let mut requests = Vec::new();
        if !changes.is_empty() {
            let pages = self.confirm(&changes).await?;
            requests = self
                .new_requests(&changes, &pages, listing.server_time)
                .await?;
            if self.update_pool(&changes, &pages).await? {
                self.pool.taken_at = Some(listing.server_time);
                commit.set(MENTOR_POOL, &encode(&self.pool)?);
            }
            for change in &changes {
                self.state.see_change(&mut commit, change);
            }
        }
        hand_out(&mut commit, &self.state, &mut requests)?;
        self.state
            .advance(&mut commit, listing.server_time, overlap);
        self.bus.commit(commit).await?;
        Ok(requests.len())
    }

    /// Every category the scanner watches: request categories and the pool's.
    fn categories(&self) -> BTreeSet<&str> {
        self.config
            .skills
            .iter()
            .map(|s| s.request_category.as_str())
            .chain(pool::categories(self.config))
            .collect()
    }

    /// The pages `changes` touched, as they are now: the categories of ours each is in, and
    /// their creators remembered. Pages whose creator is known cost one request per 50 between
    /// them; a page seen for the first time costs one request, creator included.
    async fn confirm(
        &mut self,
        changes: &[CategoryChange],
    ) -> Result<BTreeMap<u64, (PageCategories, Option<User>)>, ScanError> {
        let categories: Vec<String> = self.categories().into_iter().map(String::from).collect();
        let pageids: BTreeSet<u64> = changes.iter().map(|c| c.pageid).collect();
        let mut known = BTreeMap::new();
        let mut unknown = Vec::new();
        for pageid in pageids {
            match self.creators.cached(&self.bus, pageid).await? {
                Some(user) => {
                    known.insert(pageid, user);
                }
                None => unknown.push(pageid),
            }
        }
        let mut pages = BTreeMap::new();
        let ids: Vec<u64> = known.keys().copied().collect();
        for page in self.wiki.page_categories(&ids, &categories).await? {
            let creator = known.get(&page.pageid).cloned();
            pages.insert(page.pageid, (page, creator));
        }
        for pageid in unknown {
            let Some(page) = self
                .wiki
                .page_categories_and_creator(pageid, &categories)
                .await?
            else {
                continue; // deleted since
            };
            if let Some(creator) = &page.creator {
                self.creators.remember(&self.bus, pageid, creator).await?;
            }
            let creator = page.creator.clone();
            pages.insert(pageid, (page, creator));
        }
        Ok(pages)
    }

    /// The requests `changes` made: a profile in a request category it was just put in, not
    /// handed out before and not in `matches` (a change a poll sees can be one the original
    /// MatchBot, or a deployment whose Redis is gone, already handled).
    async fn new_requests(
        &mut self,
        changes: &[CategoryChange],
        pages: &BTreeMap<u64, (PageCategories, Option<User>)>,
        scanned_at: Timestamp,
    ) -> Result<Vec<Request>, ScanError> {
        let mut candidates: Vec<(RequestKey, &PageCategories, &Option<User>)> = Vec::new();
        for change in changes {
            if !self.config.is_request_category(&change.category) {
                continue;
            }
            let Some((page, creator)) = pages.get(&change.pageid) else {
                continue;
            };
            // Taken off again (or this change was the removal): nothing to do.
            let Some(added) = page.added_to(&change.category) else {
                continue;
            };
            if !self.config.pages.is_profile(&page.title) || added < self.floor {
                continue;
            }
            let request_id = RequestId::new(page.pageid, &change.category, added);
            if candidates.iter().any(|(k, ..)| k.request_id == request_id)
                || self.state.request_seen(&request_id).await?
            {
                continue;
            }
            let key = RequestKey {
                request_id,
                profile_id: page.pageid,
                category: change.category.clone(),
                category_added: added,
            };
            candidates.push((key, page, creator));
        }
        let keys: Vec<RequestKey> = candidates.iter().map(|(k, ..)| k.clone()).collect();
        let handled = if keys.is_empty() {
            Default::default()
        } else {
            self.db.handled(&keys).await?
        };
        let mut requests = Vec::new();
        for (key, page, creator) in candidates {
            if handled.contains(&key.request_id) {
                tracing::info!(request = %key.request_id, "already in matches; not handed out again");
                continue;
            }
            let Some(learner) = creator.clone() else {
                tracing::warn!(profile = %page.title, "request on a profile with no known creator; skipped");
                continue;
            };
            requests.push(Scanner::request(key, &page.title, learner, scanned_at));
        }
        Ok(requests)
    }

    /// The request named by `key`, on the profile titled `title`.
    fn request(key: RequestKey, title: &str, learner: User, scanned_at: Timestamp) -> Request {
        Request {
            request_id: key.request_id,
            profile: PageRef {
                id: key.profile_id,
                title: title.to_owned(),
            },
            category: key.category,
            category_added: key.category_added,
            learner,
            scanned_at,
        }
    }

    /// Applies the pool categories' changes to the pool; true when it changed.
    async fn update_pool(
        &mut self,
        changes: &[CategoryChange],
        pages: &BTreeMap<u64, (PageCategories, Option<User>)>,
    ) -> Result<bool, ScanError> {
        let pool_categories: BTreeSet<&str> = pool::categories(self.config).into_iter().collect();
        let mut changed_by_page: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
        for change in changes {
            if pool_categories.contains(change.category.as_str()) {
                changed_by_page
                    .entry(change.pageid)
                    .or_default()
                    .insert(change.category.as_str());
            }
        }
        if changed_by_page.is_empty() {
            return Ok(false);
        }
        let mut joined = BTreeSet::new();
        for (pageid, changed) in &changed_by_page {
            let gone = PageCategories {
                pageid: *pageid,
                title: String::new(),
                categories: Vec::new(),
                creator: None,
            };
            let (page, creator) = pages
                .get(pageid)
                .map_or((&gone, None), |(p, c)| (p, c.as_ref()));
            joined.extend(pool::apply(
                self.config,
                &mut self.pool,
                page,
                creator,
                changed,
            ));
        }
        pool::look_up(self.config, &self.wiki, &mut self.pool, &joined).await?;
        Ok(true)
    }

    /// Lists every request and pool category in full and makes the stream and the pool what
    /// the wiki says they should be; returns how many requests it put on the stream.
    async fn reconcile(&mut self) -> Result<usize, ScanError> {
        let started = Instant::now();
        self.keep_watching().await?;
        let pool = pool::read(self.config, &self.wiki, &self.bus, &mut self.creators).await?;

        let mut candidates = Vec::new();
        let mut listed_at = None;
        for skill in &self.config.skills {
            let category = &skill.request_category;
            let listing = self
                .wiki
                .category_members(category, Some(self.floor))
                .await?;
            listed_at = listed_at.or(Some(listing.server_time));
            for member in listing.members {
                if !self.config.pages.is_profile(&member.title) || member.timestamp < self.floor {
                    continue;
                }
                let key = RequestKey {
                    request_id: RequestId::new(member.pageid, category, member.timestamp),
                    profile_id: member.pageid,
                    category: category.clone(),
                    category_added: member.timestamp,
                };
                if !self.state.request_seen(&key.request_id).await? {
                    candidates.push((key, member.title));
                }
            }
        }
        let keys: Vec<RequestKey> = candidates.iter().map(|(k, _)| k.clone()).collect();
        let handled = self.db.handled(&keys).await?;
        let scanned_at = listed_at.unwrap_or_else(Timestamp::now);
        let mut requests = Vec::new();
        for (key, title) in candidates {
            if handled.contains(&key.request_id) {
                continue;
            }
            let Some(learner) = self
                .creators
                .get(&self.wiki, &self.bus, key.profile_id)
                .await?
            else {
                tracing::warn!(profile = %title, "request on a profile with no known creator; skipped");
                continue;
            };
            requests.push(Scanner::request(key, &title, learner, scanned_at));
        }

        let mut commit = self.bus.commit_builder();
        commit.set(MENTOR_POOL, &encode(&pool)?);
        hand_out(&mut commit, &self.state, &mut requests)?;
        // A first start polls from the time of this listing on: everything before it was
        // just listed.
        if self.state.cursor().await?.is_none() {
            self.state.advance(&mut commit, scanned_at, 0);
        }
        self.bus.commit(commit).await?;
        self.pool = pool;
        tracing::info!(
            requests = requests.len(),
            handled_before = handled.len(),
            mentors = self.pool.general.len()
                + self.pool.by_category.values().map(Vec::len).sum::<usize>(),
            blocked = self.pool.blocked.len(),
            took_ms = started.elapsed().as_millis() as u64,
            "reconciled"
        );
        Ok(requests.len())
    }

    /// Puts back on the bot's watchlist any of its categories that are not on it: without them
    /// the polls would hear of nothing.
    async fn keep_watching(&self) -> Result<(), ScanError> {
        let categories: Vec<String> = self.categories().into_iter().map(String::from).collect();
        let unwatched = self.wiki.unwatched(&categories).await?;
        if !unwatched.is_empty() {
            tracing::info!(categories = ?unwatched, "watching categories");
            self.wiki.watch(&unwatched).await?;
        }
        Ok(())
    }
}

/// Adds `requests` to `commit` in request order, each as the start of a trace of its own
/// that follows it through every stage, and notes them as handed out.
fn hand_out(commit: &mut Commit, state: &State, requests: &mut [Request]) -> Result<(), ScanError> {
    in_request_order(requests);
    for request in requests.iter() {
        request_span(request.request_id.as_str()).in_scope(|| {
            tracing::info!(request = %request.request_id, learner = %request.learner.name, category = %request.category, "new request");
            commit.emit(Stream::Requests, request)
        })?;
        state.see_request(commit, request);
    }
    Ok(())
}

fn encode(pool: &MentorPool) -> Result<String, ScanError> {
    serde_json::to_string(pool).map_err(ScanError::Encode)
}

/// Sorts requests into request order ([`Request::order`]), the order the matcher decides in.
fn in_request_order(requests: &mut [Request]) {
    requests.sort_by(|a, b| a.order().cmp(&b.order()));
}
