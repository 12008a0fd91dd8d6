//! One check of every open match (at most `lifecycle.max_matches_per_check`, oldest greeting
//! first): what the wiki says of each since its mentor was assigned, sent to the matcher as
//! the request again with a [`matchbot_model::Checkup`], in one fenced commit.
//!
//! The reads, for M open matches with L learners and their mentors: the profiles' categories
//! (one request per 50), the learners' blocks (one per 50), the talk-page edits of mentors
//! and learners since the oldest pairing (one per 50 people, more when they edited more than a
//! page of 500 holds) and the learners' edits over `learner_inactive_days` (likewise), plus
//! one to learn the profiles' talk namespace.

use std::collections::{BTreeMap, BTreeSet};

use matchbot_bus::{REQUESTS, request_span};
use matchbot_model::{Timestamp, pairing};

use crate::error::ScanError;
use crate::followup::{self, Seen, USER_TALK};
use crate::scan::Scanner;

/// The most pages of 500 edits one list of contributions reads, per 50 people.
const PAGES_OF_EDITS: usize = 10;

impl Scanner<'_> {
    /// Checks up on the open matches; returns how many checkups it sent.
    pub(crate) async fn check_up(&mut self) -> Result<usize, ScanError> {
        let Some(lifecycle) = &self.config.lifecycle else {
            return Ok(0);
        };
        let open = self
            .db
            .open_matches(lifecycle.max_matches_per_check)
            .await?;
        let Some(first) = open.first() else {
            return Ok(0);
        };
        let at = Timestamp::now();
        let talk_ns = self.wiki.namespace_of(&first.talk_page).await?;

        let mut categories: Vec<String> = open.iter().map(|m| m.category.clone()).collect();
        categories.extend(lifecycle.new_mentor_category.clone());
        categories.sort();
        categories.dedup();
        let profile_ids: Vec<u64> = open.iter().map(|m| m.profile_id).collect();
        let profiles = self.wiki.page_categories(&profile_ids, &categories).await?;

        let learners: BTreeSet<String> = open.iter().map(|m| m.learner.name.clone()).collect();
        let learners: Vec<String> = learners.into_iter().collect();
        let blocked = self.wiki.blocked(&learners).await?;

        let pairings: Vec<_> = open.iter().filter_map(|m| pairing(&m.events)).collect();
        let mut people: BTreeSet<String> = learners.iter().cloned().collect();
        people.extend(pairings.iter().map(|p| p.mentor.name.clone()));
        let people: Vec<String> = people.into_iter().collect();
        let oldest = pairings.iter().map(|p| p.since).min().unwrap_or(at);
        let namespaces = [USER_TALK, talk_ns];
        let talk_edits = self
            .wiki
            .contributions(&people, Some(&namespaces), oldest, PAGES_OF_EDITS, None)
            .await?;

        let edits_since = at.plus_seconds(-lifecycle.seconds(lifecycle.learner_inactive_days));
        let learner_edits = self
            .wiki
            .contributions(&learners, None, edits_since, PAGES_OF_EDITS, None)
            .await?;
        let mut newest = BTreeMap::new();
        for edit in &learner_edits.edits {
            let entry = newest.entry(edit.user.clone()).or_insert(edit.timestamp);
            *entry = (*entry).max(edit.timestamp);
        }
        if !talk_edits.complete {
            tracing::warn!(
                people = people.len(),
                "more talk-page edits since the oldest open match than one check reads: contact may be seen late"
            );
        }
        let seen = Seen {
            at: Some(at),
            profiles: profiles.into_iter().map(|p| (p.pageid, p)).collect(),
            blocked,
            talk_edits: talk_edits.edits,
            learner_edits: newest,
            edits_since: Some(edits_since),
            edits_complete: learner_edits.complete,
        };
        let mut commit = self.bus.commit_builder();
        let mut sent = 0;
        for open in &open {
            let Some(mut request) = followup::checkup(&self.config, open, &seen) else {
                tracing::warn!(request = %open.request_id, talk_page = %open.talk_page, "an open match whose talk page is no profile's: not checked");
                continue;
            };
            request.settings = self.config.settings_revision;
            request_span(request.request_id.as_str()).in_scope(|| {
                tracing::debug!(request = %request.request_id, "checkup");
                commit.emit(REQUESTS, &request)
            })?;
            sent += 1;
        }
        self.commit(commit).await?;
        tracing::info!(
            open = open.len(),
            checkups = sent,
            "checked up on the open matches"
        );
        Ok(sent)
    }
}
