//! A poll: what the scanner asks the wiki, Redis and the database, and the commits it ends in
//! (the reconcile, in `reconcile`, shares its steps). Which links are requests is decided in `requests`, which needs no I/O.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use matchbot_bus::{Bus, Commit, Lease};
use matchbot_config::Config;
use matchbot_db::Db;
use matchbot_model::{MentorPool, Request, RequestId, Timestamp};
use matchbot_wiki::{CategoryChange, Client, PageCategories};

use crate::admission::{self, Limits, Verdict};
use crate::creators::Creators;
use crate::error::ScanError;
use crate::facts;
use crate::learners;
use crate::mentor_settings::OwnProblems;
use crate::pool;
use crate::requests::{self, Again, Sighting};
use crate::state::State;

/// How many category changes a poll handles between two commits.
pub const CHANGES_PER_COMMIT: usize = 500;

pub(crate) struct Scanner<'a> {
    /// The file's configuration.
    pub file: &'a Config,
    /// The configuration in use: the file's, with the settings page's newest valid revision.
    pub config: Config,
    /// The newest revision of the settings page looked at, valid or not.
    pub settings_seen: Option<u64>,
    /// The newest revision of the do-not-contact list a poll read.
    pub list_seen: Option<u64>,
    /// Set when a poll applied a new revision of the settings page: its categories are to be
    /// watched and read in full, at a reconcile soon.
    pub settings_changed: bool,
    /// Values mentors set on their profiles that are ignored, for the error log.
    pub own_problems: OwnProblems,
    pub wiki: Client,
    pub bus: Bus,
    pub state: State,
    pub db: Db,
    pub creators: Creators,
    /// The pool as last written to Redis.
    pub pool: MentorPool,
    /// No request whose category was added before this is handed out.
    pub floor: Timestamp,
    /// The scanner lease: every commit is fenced by it.
    pub lease: Lease,
}

impl Scanner<'_> {
    /// Runs `commit` if this replica still holds the lease.
    pub(crate) async fn commit(&self, commit: Commit) -> Result<(), ScanError> {
        Ok(self.bus.commit_fenced(commit, &self.lease).await?)
    }

    /// One poll of the watchlist; returns how many requests it put on the stream.
    ///
    /// The changes are handled [`CHANGES_PER_COMMIT`] at a time, oldest first, each chunk
    /// ending in a commit of its requests, the changes looked at and a cursor no later than its
    /// last change: a poll that fails (the wiki gone, a restart) after some chunks resumes
    /// after them, not from the start.
    pub(crate) async fn poll(&mut self) -> Result<usize, ScanError> {
        let overlap = self.config.scanner.overlap.as_secs() as i64;
        let cursor = self.state.cursor().await?;
        let from = match cursor {
            Some(cursor) => cursor.plus_seconds(-overlap).max(self.floor),
            None => self.floor,
        };
        let listing = self.wiki.category_changes(from).await?;
        self.pages_edited(&listing.edits).await?;
        let ours = self.categories();
        let mut changes: Vec<CategoryChange> = listing
            .changes
            .into_iter()
            .filter(|c| ours.contains(c.category.as_str()))
            .collect();
        changes.sort_by_key(|c| c.timestamp);
        let mut handed_out = 0;
        let mut chunks = changes.chunks(CHANGES_PER_COMMIT).peekable();
        while let Some(chunk) = chunks.next() {
            let mut commit = self.bus.commit_builder();
            handed_out += self
                .poll_chunk(&mut commit, chunk, listing.server_time)
                .await?;
            if chunks.peek().is_some() {
                let done = chunk.last().map(|c| c.timestamp);
                if let Some(to) = done.max(cursor) {
                    self.state.advance(&mut commit, to, overlap);
                }
                self.commit(commit).await?;
            } else {
                self.state
                    .advance(&mut commit, listing.server_time, overlap);
                self.commit(commit).await?;
            }
        }
        if changes.is_empty() {
            let mut commit = self.bus.commit_builder();
            self.state
                .advance(&mut commit, listing.server_time, overlap);
            self.commit(commit).await?;
        }
        Ok(handed_out)
    }

    /// One chunk of a poll's changes, added to `commit`; returns how many requests it hands out.
    async fn poll_chunk(
        &mut self,
        commit: &mut Commit,
        chunk: &[CategoryChange],
        server_time: Timestamp,
    ) -> Result<usize, ScanError> {
        // The overlap shows most changes again on the next polls: only new ones cost anything.
        let seen = self.state.changes_seen(chunk).await?;
        let changes: Vec<CategoryChange> = chunk
            .iter()
            .filter(|c| !seen.contains(&c.key()))
            .cloned()
            .collect();
        if changes.is_empty() {
            return Ok(0);
        }
        let pages = self.confirm(&changes).await?;
        let found = requests::from_changes(&self.config, &changes, &pages, self.floor);
        let (unhandled, _) = self.unhandled(found, true, None).await?;
        let mut requests = Vec::new();
        for sighting in unhandled {
            match pages
                .get(&sighting.key.profile_id)
                .and_then(|p| p.creator.clone())
            {
                Some(learner) => requests.push(sighting.into_request(learner, server_time)),
                None => no_creator(&sighting),
            }
        }
        if self.update_pool(&changes, &pages).await? {
            self.pool.taken_at = Some(server_time);
            commit.set_mentor_pool(&self.pool)?;
            self.own_problems.log(commit)?;
        }
        for change in &changes {
            self.state.see_change(commit, change);
        }
        Ok(self.hand_out(commit, requests).await?.len())
    }

    /// Of `found`, those neither handed out before nor in `matches` (the original MatchBot's
    /// rows count: a change a poll sees can be one it, or a deployment whose Redis is gone,
    /// already handled), and how many `matches` held. With `again`, a request handed out long
    /// enough ago that still has no row counts as not handed out: its decision or outcome was
    /// lost on the way (the stages after the scanner are idempotent).
    pub(crate) async fn unhandled(
        &self,
        found: Vec<Sighting>,
        log_handled: bool,
        again: Option<Again>,
    ) -> Result<(Vec<Sighting>, usize), ScanError> {
        let mut seen = self
            .state
            .requests_seen(found.iter().map(|s| &s.key.request_id))
            .await?;
        // A request a gate holds is handed out again when its time comes (`held`), not as
        // lost work: it counts as handed out just now.
        if let Some(again) = again {
            for id in self
                .state
                .held(found.iter().map(|s| &s.key.request_id))
                .await?
            {
                seen.insert(id, again.now.unix());
            }
        }
        let refused = self
            .state
            .requests_refused(found.iter().map(|s| &s.key.request_id))
            .await?;
        let found = found
            .into_iter()
            .filter(|s| !refused.contains(&s.key.request_id))
            .collect();
        let candidates = requests::unseen(found, &seen, again);
        let handled: HashSet<RequestId> = if candidates.is_empty() {
            HashSet::new()
        } else {
            let keys: Vec<_> = candidates.iter().map(|s| s.key.clone()).collect();
            self.db.handled(&keys).await?
        };
        let unhandled = candidates
            .into_iter()
            .filter(|s| {
                let done = handled.contains(&s.key.request_id);
                if done && log_handled {
                    tracing::info!(request = %s.key.request_id, "already in matches; not handed out again");
                }
                if !done && let Some(at) = seen.get(&s.key.request_id) {
                    tracing::warn!(
                        request = %s.key.request_id,
                        handed_out_unix = *at,
                        "handed out before but still no row in matches: handing it out again"
                    );
                }
                !done
            })
            .collect();
        Ok((unhandled, handled.len()))
    }

    /// Hands out in `commit`, however they were found (a poll, a reconcile, a hold's end),
    /// those of `requests` the learners' limits let through, each with its learner's account
    /// for the gates and the settings page's revision in use; returns them.
    pub(crate) async fn hand_out(
        &self,
        commit: &mut Commit,
        requests: Vec<Request>,
    ) -> Result<Vec<Request>, ScanError> {
        let mut requests = self.admitted(commit, requests).await?;
        facts::add(&self.config, &self.wiki, &mut requests).await?;
        let settings = self.config.settings_revision;
        self.state.hand_out(commit, &mut requests, settings)?;
        Ok(requests)
    }

    /// Of `requests`, those the learners' limits let through (see `admission`), noted for the
    /// scans after this one in `commit`, with those the cooldown refused.
    async fn admitted(
        &self,
        commit: &mut Commit,
        requests: Vec<Request>,
    ) -> Result<Vec<Request>, ScanError> {
        let Some(now) = requests.iter().map(|r| r.scanned_at).max() else {
            return Ok(requests);
        };
        let earlier = learners::read(&self.bus, &self.db, &requests, now).await?;
        let cooldown_seconds = self.config.scanner.request_cooldown.as_secs() as i64;
        let limits = Limits {
            cooldown_seconds,
            max_open: self.config.scanner.max_open_requests as usize,
        };
        let verdicts = admission::admit(&requests, &earlier, limits);
        let mut admitted = Vec::new();
        for (request, verdict) in requests.into_iter().zip(verdicts) {
            match verdict {
                Verdict::Admitted => {
                    learners::note(commit, &request, cooldown_seconds)?;
                    admitted.push(request);
                }
                Verdict::Cooldown { of } => {
                    tracing::info!(request = %request.request_id, learner = %request.learner.name, category = %request.category, earlier = %of, "the learner asked for this category within the cooldown: no new request");
                    self.state.refuse_request(commit, &request);
                }
                Verdict::TooManyOpen { open } => {
                    tracing::info!(request = %request.request_id, learner = %request.learner.name, open, "the learner has the most open requests: this one waits for a later reconcile");
                }
            }
        }
        Ok(admitted)
    }

    /// Every category the scanner watches: request categories and the pool's.
    pub(crate) fn categories(&self) -> BTreeSet<&str> {
        self.config
            .skills
            .iter()
            .map(|s| s.request_category.as_str())
            .chain(pool::categories(&self.config))
            .collect()
    }

    /// The pages `changes` touched, as they are now: the categories of ours each is in (one
    /// request per 50 pages), and for the profiles among them, their creators (remembered, or
    /// one request per profile seen for the first time). A page that is no profile costs
    /// nothing more: it is nobody's request and nobody's mentor listing.
    async fn confirm(
        &mut self,
        changes: &[CategoryChange],
    ) -> Result<BTreeMap<u64, PageCategories>, ScanError> {
        let categories: Vec<String> = self.categories().into_iter().map(String::from).collect();
        let pageids: Vec<u64> = changes
            .iter()
            .map(|c| c.pageid)
            .collect::<BTreeSet<u64>>()
            .into_iter()
            .collect();
        self.creators
            .read_pages(&self.wiki, &self.bus, &self.config, &pageids, &categories)
            .await
    }

    /// Applies the pool categories' changes to the pool; true when it changed.
    async fn update_pool(
        &mut self,
        changes: &[CategoryChange],
        pages: &BTreeMap<u64, PageCategories>,
    ) -> Result<bool, ScanError> {
        let pool_categories: BTreeSet<&str> = pool::categories(&self.config).into_iter().collect();
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
            let page = pages.get(pageid).unwrap_or(&gone);
            joined.extend(pool::apply(
                &self.config,
                &mut self.pool,
                page,
                page.creator.as_ref(),
                changed,
                &mut self.own_problems.found,
            ));
        }
        pool::look_up(&self.config, &self.wiki, &mut self.pool, &joined).await?;
        Ok(true)
    }
}

pub(crate) fn no_creator(sighting: &Sighting) {
    tracing::warn!(profile = %sighting.title, "request on a profile with no known creator; skipped");
}
