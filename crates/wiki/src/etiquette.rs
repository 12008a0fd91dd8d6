//! What every edit waits for: the kill switch, the pause since the last edit, the trial budget.
//!
//! Wikipedia's bot policy asks for all three: a way for anyone to stop the bot without an
//! admin (a run page), a modest edit rate, and trials limited to a number of edits. They live
//! here, in the client, so that no edit — a greeting, a report — can forget them.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::client::Client;
use crate::error::Error;
use crate::gate::GateState;

impl Client {
    /// May the bot edit now? Checks the edit budget, then the run page (read again only when
    /// the last reading is older than its interval). The notifier asks before it reads a talk
    /// page, so that a stopped bot costs one request per interval and nothing more.
    pub async fn may_edit(&self) -> Result<(), Error> {
        let gate = &self.inner.gate;
        let mut state = gate.state.lock().await;
        self.may_edit_locked(&mut state).await
    }

    /// Edits left in the budget; `None` when there is no budget.
    pub async fn edits_left(&self) -> Option<u64> {
        let gate = &self.inner.gate;
        let edits = gate.state.lock().await.edits;
        gate.budget.map(|b| b.saturating_sub(edits))
    }

    /// How long until the edit interval since the last edit has passed (zero when it has).
    /// A caller that can be stopped waits this out itself, before taking on more work, so that
    /// a stop never finds it asleep inside an edit.
    pub async fn until_next_edit(&self) -> Duration {
        let gate = &self.inner.gate;
        let last = gate.state.lock().await.last_edit;
        last.map_or(Duration::ZERO, |last| {
            (last + gate.interval).saturating_duration_since(Instant::now())
        })
    }

    /// Runs one edit request through the gate: checks, waits out the interval, sends, counts.
    pub(crate) async fn gated_edit(&self, params: &[(&str, &str)]) -> Result<Value, Error> {
        let gate = &self.inner.gate;
        let mut state = gate.state.lock().await;
        self.may_edit_locked(&mut state).await?;
        if let Some(last) = state.last_edit {
            let next = last + gate.interval;
            tokio::time::sleep_until(next.into()).await;
        }
        let result = self.post_with_token(params).await;
        // Even a failed attempt may have reached the wiki: space the next one all the same.
        state.last_edit = Some(Instant::now());
        if result.is_ok() {
            state.edits += 1;
        }
        result
    }

    async fn may_edit_locked(&self, state: &mut GateState) -> Result<(), Error> {
        let gate = &self.inner.gate;
        if let Some(budget) = gate.budget
            && state.edits >= budget
        {
            return Err(Error::EditBudgetSpent { budget });
        }
        let Some(run_page) = &gate.run_page else {
            return Ok(());
        };
        let fresh = state
            .run_page_read
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < run_page.every);
        if !fresh {
            let page = self.talk_page(&run_page.title).await?;
            let stop = if !page.exists {
                Some("(the page does not exist)".to_owned())
            } else if page.text.trim().eq_ignore_ascii_case("true") {
                None
            } else {
                Some(page.text.trim().chars().take(80).collect())
            };
            let was = state.run_page_read.as_ref().map(|(_, s)| s.is_none());
            match (&stop, was) {
                (Some(text), Some(true) | None) => tracing::warn!(
                    run_page = %run_page.title, says = %text,
                    "the run page does not say \"true\": no edits until it does"
                ),
                (None, Some(false)) => tracing::info!(
                    run_page = %run_page.title,
                    "the run page says \"true\" again: edits resume"
                ),
                _ => {}
            }
            state.run_page_read = Some((Instant::now(), stop));
        }
        match &state.run_page_read {
            Some((_, Some(says))) => Err(Error::Stopped {
                run_page: run_page.title.clone(),
                says: says.clone(),
            }),
            _ => Ok(()),
        }
    }
}
