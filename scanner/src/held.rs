//! Requests a gate holds (a learner's account too young, or too few edits): handed out again,
//! with the learner's account read afresh, as soon as the time the matcher noted has come, so
//! a learner who qualifies is greeted within a poll of it, not at a reconcile hours later.
//!
//! The matcher notes each held request's id with that time in `HELD_REQUESTS`. That set is in
//! the shared Redis, so an id is trusted for nothing: it is handed out only when the wiki shows
//! the request it names (the profile in that request category since that time) and `matches`
//! has no row for it; anything else is forgotten.

use std::collections::BTreeSet;

use matchbot_model::RequestId;

use crate::error::ScanError;
use crate::requests;
use crate::scan::Scanner;

/// The most held requests looked at in one poll; the rest wait for the next.
const MOST_PER_POLL: usize = 500;

impl Scanner<'_> {
    /// Hands out again the held requests whose time has come by the wiki's time of the last
    /// poll; returns how many. One Redis read when none is due.
    pub(crate) async fn hand_out_held(&mut self) -> Result<usize, ScanError> {
        let Some(now) = self.state.cursor().await? else {
            return Ok(0);
        };
        let due = self.state.held_due(now, MOST_PER_POLL).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let pageids: Vec<u64> = due
            .iter()
            .filter_map(RequestId::page_and_added)
            .map(|(page, _)| page)
            .collect::<BTreeSet<u64>>()
            .into_iter()
            .collect();
        let categories: Vec<String> = self
            .config
            .skills
            .iter()
            .map(|s| s.request_category.clone())
            .collect();
        let pages = self
            .creators
            .read_pages(&self.wiki, &self.bus, &self.config, &pageids, &categories)
            .await?;
        let (found, gone) = requests::from_held(&self.config, &due, &pages, self.floor);
        let mut commit = self.bus.commit_builder();
        for id in &gone {
            tracing::info!(request = %id, "a held request is no longer on the wiki: forgotten");
            self.state.unhold(&mut commit, id);
        }
        let keys: Vec<_> = found.iter().map(|s| s.key.clone()).collect();
        let handled = if keys.is_empty() {
            Default::default()
        } else {
            self.db.handled(&keys).await?
        };
        let mut again = Vec::new();
        for sighting in found {
            self.state.unhold(&mut commit, &sighting.key.request_id);
            if handled.contains(&sighting.key.request_id) {
                continue;
            }
            match pages
                .get(&sighting.key.profile_id)
                .and_then(|p| p.creator.clone())
            {
                Some(learner) => again.push(sighting.into_request(learner, now)),
                None => {
                    tracing::warn!(profile = %sighting.title, "held request on a profile with no known creator; skipped")
                }
            }
        }
        let again = self.hand_out(&mut commit, again).await?;
        for request in &again {
            tracing::info!(request = %request.request_id, learner = %request.learner.name, "a held request's time has come: handed out again");
        }
        self.commit(commit).await?;
        Ok(again.len())
    }
}
