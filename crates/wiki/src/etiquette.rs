//! What every edit waits for: the kill switch, the pause since the last edit, the trial budget.
//!
//! Wikipedia's bot policy asks for all three: a way for anyone to stop the bot without an
//! admin (a run page), a modest edit rate, and trials limited to a number of edits. They live
//! here, in the client, so that no edit — a greeting, a report — can forget them. With an
//! [`AccountGate`](crate::AccountGate) they are the bot account's, shared by every process
//! editing as it; without one, this client's own.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::account::Slot;
use crate::client::Client;
use crate::error::Error;
use crate::gate::{Account, GateState};

/// How often a client waiting for another's edit under way asks again.
const BUSY_LOOK_EVERY: Duration = Duration::from_millis(50);

/// How long a shared slot is held without renewal: a client that dies mid-edit blocks the
/// others this long at most. Renewed every third of it while the edit's request is under way,
/// so the others wait at least two thirds of it, and more than an interval, after the last
/// renewal of a client that died: its request, if it went out, reached the wiki that long ago.
fn hold(interval: Duration) -> Duration {
    interval * 2 + Duration::from_secs(5)
}

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
        let budget = gate.budget?;
        let edits = match &gate.account {
            // Unknown while the gate is away: none left, so nothing is edited meanwhile.
            Some(Account(account)) => account.trial_edits().await.unwrap_or(budget),
            None => gate.state.lock().await.edits,
        };
        Some(budget.saturating_sub(edits))
    }

    /// How long until the edit interval since the last edit has passed (zero when it has).
    /// A caller that can be stopped waits this out itself, before taking on more work, so that
    /// a stop never finds it asleep inside an edit.
    pub async fn until_next_edit(&self) -> Duration {
        let gate = &self.inner.gate;
        if let Some(Account(account)) = &gate.account {
            // Under way elsewhere: at least an interval from now; unknown: the edit waits.
            return match account.slot_free_in().await {
                Ok(Some(free_in)) => free_in,
                Ok(None) => gate.interval,
                Err(_) => Duration::ZERO,
            };
        }
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
        let Some(Account(account)) = &gate.account else {
            if let Some(last) = state.last_edit {
                tokio::time::sleep_until((last + gate.interval).into()).await;
            }
            let result = self.post_with_token(params).await;
            // Even a failed attempt may have reached the wiki: space the next one all the same.
            state.last_edit = Some(Instant::now());
            if result.is_ok() {
                state.edits += 1;
            }
            return result;
        };
        if let Some(budget) = gate.budget
            && !account.take_trial_edit(budget).await?
        {
            return Err(Error::EditBudgetSpent { budget });
        }
        let hold = hold(gate.interval);
        let taken = async {
            loop {
                match account.take_slot(hold).await? {
                    Slot::Taken => return Ok::<(), Error>(()),
                    Slot::FreeIn(wait) => tokio::time::sleep(wait).await,
                    Slot::Busy => tokio::time::sleep(BUSY_LOOK_EVERY).await,
                }
            }
        };
        if let Err(e) = taken.await {
            if gate.budget.is_some() {
                account.give_back_trial_edit().await.ok();
            }
            return Err(e);
        }
        let edit = self.post_with_token(params);
        tokio::pin!(edit);
        let result = loop {
            tokio::select! {
                result = &mut edit => break result,
                () = tokio::time::sleep(hold / 3) => {
                    if let Err(e) = account.renew_slot(hold).await {
                        tracing::warn!(error = %e, "could not renew the edit slot while an edit is under way");
                    }
                }
            }
        };
        // Even a failed attempt may have reached the wiki: space the next one all the same.
        if let Err(e) = account.release_slot(gate.interval).await {
            tracing::warn!(error = %e, "could not release the edit slot; the others wait until it runs out");
        }
        // The account counts the trial's edits; this client keeps none of its own.
        if result.is_err() && gate.budget.is_some() {
            account.give_back_trial_edit().await.ok();
        }
        result
    }

    async fn may_edit_locked(&self, state: &mut GateState) -> Result<(), Error> {
        let gate = &self.inner.gate;
        if let Some(budget) = gate.budget {
            let edits = match &gate.account {
                Some(Account(account)) => account.trial_edits().await?,
                None => state.edits,
            };
            if edits >= budget {
                return Err(Error::EditBudgetSpent { budget });
            }
        }
        let Some(run_page) = &gate.run_page else {
            return Ok(());
        };
        let fresh = |read: &Option<(Instant, Option<String>)>| {
            read.as_ref()
                .is_some_and(|(at, _)| at.elapsed() < run_page.every)
        };
        if !fresh(&state.run_page_read) {
            let was = state.run_page_read.as_ref().map(|(_, s)| s.is_none());
            // Another process's reading, when it is recent enough, saves reading the page.
            let shared = match &gate.account {
                Some(Account(account)) => account
                    .run_page_reading()
                    .await?
                    .filter(|r| r.age < run_page.every)
                    .and_then(|r| Some((Instant::now().checked_sub(r.age)?, r.stop))),
                None => None,
            };
            let reading = match shared {
                Some(reading) => reading,
                None => {
                    let page = self.talk_page(&run_page.title).await?;
                    let stop = if !page.exists {
                        Some("(the page does not exist)".to_owned())
                    } else if page.text.trim().eq_ignore_ascii_case("true") {
                        None
                    } else {
                        Some(page.text.trim().chars().take(80).collect())
                    };
                    if let Some(Account(account)) = &gate.account {
                        account.store_run_page_reading(stop.as_deref()).await?;
                    }
                    (Instant::now(), stop)
                }
            };
            match (&reading.1, was) {
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
            state.run_page_read = Some(reading);
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
