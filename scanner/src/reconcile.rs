//! A reconcile: every request and pool category listed in full, the stream and the pool made
//! what the wiki says they should be, and the scanner's pages kept on its watchlist.

use std::time::Instant;

use matchbot_model::Timestamp;

use crate::error::ScanError;
use crate::pool;
use crate::requests::{self, Again};
use crate::scan::{Scanner, no_creator};

impl Scanner<'_> {
    /// Lists every request and pool category in full and makes the stream and the pool what
    /// the wiki says they should be; returns how many requests it put on the stream.
    pub(crate) async fn reconcile(&mut self) -> Result<usize, ScanError> {
        let started = Instant::now();
        self.read_settings().await?;
        self.settings_changed = false;
        self.keep_watching().await?;
        let found_problems = &mut self.own_problems.found;
        let pool = pool::read(
            &self.config,
            &self.wiki,
            &self.bus,
            &mut self.creators,
            found_problems,
        )
        .await?;

        let mut found = Vec::new();
        let mut listed_at = None;
        for skill in &self.config.skills {
            let category = &skill.request_category;
            let listing = self
                .wiki
                .category_members(category, Some(self.floor))
                .await?;
            listed_at = listed_at.or(Some(listing.server_time));
            found.extend(requests::from_listing(
                &self.config,
                category,
                &listing.members,
                self.floor,
            ));
        }
        let scanned_at = listed_at.unwrap_or_else(Timestamp::now);
        let again = Again {
            now: scanned_at,
            after_seconds: self.config.scanner.reemit_after.as_secs() as i64,
        };
        let (unhandled, handled_before) = self.unhandled(found, false, Some(again)).await?;
        let mut requests = Vec::new();
        for sighting in unhandled {
            match self
                .creators
                .get(&self.wiki, &self.bus, sighting.key.profile_id)
                .await?
            {
                Some(learner) => requests.push(sighting.into_request(learner, scanned_at)),
                None => no_creator(&sighting),
            }
        }

        let mut commit = self.bus.commit_builder();
        commit.set_mentor_pool(&pool)?;
        self.own_problems.log(&mut commit)?;
        let requests = self.hand_out(&mut commit, requests).await?;
        // A first start polls from the time of this listing on: everything before it was
        // just listed.
        if self.state.cursor().await?.is_none() {
            self.state.advance(&mut commit, scanned_at, 0);
        }
        self.commit(commit).await?;
        self.pool = pool;
        tracing::info!(
            requests = requests.len(),
            handled_before,
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
        let mut categories: Vec<String> = self.categories().into_iter().map(String::from).collect();
        categories.extend(self.kept_pages().cloned());
        let unwatched = self.wiki.unwatched(&categories).await?;
        if !unwatched.is_empty() {
            tracing::info!(categories = ?unwatched, "watching categories");
            self.wiki.watch(&unwatched).await?;
        }
        Ok(())
    }
}
