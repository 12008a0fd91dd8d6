//! The on-wiki error log (`errors.page`): what the notifier adds to it about its own outcomes,
//! and publishing it.
//!
//! Every worker may add entries (see `matchbot_bus::Bus::log_error`); the notifier, which owns
//! the edit gate, publishes them: only when there are entries the page does not show yet, at
//! most once per `errors.min_interval_minutes` whichever replica does it (a turn kept in
//! Redis), and through the same gate as a greeting: the run page, `{{bots}}` on the log page,
//! the edit interval, the trial's budget and the daily cap. A failure to publish is logged and
//! tried again at the next turn; it never stops the greetings.

use std::time::Duration;

use matchbot_bus::Bus;
use matchbot_config::Config;
use matchbot_model::{ErrorKind, ErrorLogEntry, Outcome, OutcomeKind, Timestamp};
use matchbot_wiki::{Client, Replaced, exclusion};

use crate::error::NotifierError;
use crate::error_table::render_error_table;
use crate::plan::skip_is_notable;

/// The message type `{{bots|optout=…}}` names to keep MatchBot's error log off a page.
pub const ERRORS_MESSAGE: &str = "matchbot-errors";

/// The API's codes for an edit refused because the page is protected.
const PROTECTED: [&str; 4] = [
    "protectedpage",
    "cascadeprotected",
    "protectednamespace",
    "protectedtitle",
];

/// The entry for the error log an outcome calls for, if any: a protected talk page, or a
/// learner left out by `{{bots}}`/`{{nobots}}` or the do-not-contact list.
pub(crate) fn about_outcome(outcome: &Outcome) -> Option<ErrorLogEntry> {
    let learner = &outcome.decision.request.learner.name;
    let (kind, message) = match &outcome.kind {
        OutcomeKind::Failed { code, .. } if PROTECTED.contains(&code.as_str()) => (
            ErrorKind::ProtectedTalkPage,
            format!("{learner} was not contacted: the talk page is protected ({code})"),
        ),
        OutcomeKind::Skipped { reason } if skip_is_notable(reason) => (
            ErrorKind::Skipped,
            format!("{learner} was not contacted: {reason}"),
        ),
        _ => return None,
    };
    let subject = Some(outcome.talk_page.as_str()).filter(|t| !t.is_empty());
    Some(ErrorLogEntry::new(outcome.at, kind, subject, &message))
}

/// Notes, once a day across every replica, that the daily edit cap is reached.
pub(crate) async fn cap_reached(bus: &Bus, day: &str, cap: u64) -> Result<(), NotifierError> {
    let entry = ErrorLogEntry::new(
        Timestamp::now(),
        ErrorKind::EditCap,
        None,
        &format!(
            "the daily edit cap (notifier.daily_edit_cap, {cap}) was reached on {day}: nobody more is contacted until 00:00 UTC"
        ),
    );
    let day_long = Duration::from_secs(2 * 86_400);
    bus.log_error_once(&format!("cap:{day}"), day_long, &entry)
        .await?;
    Ok(())
}

/// Publishes the log if it is this replica's turn and there is something new; problems are
/// logged, never returned.
pub(crate) async fn publish(config: &Config, wiki: &Client, bus: &Bus, holder: &str) {
    if let Err(e) = try_publish(config, wiki, bus, holder).await {
        tracing::warn!(error = %e, "the error log was not published; trying again at the next turn");
    }
}

async fn try_publish(
    config: &Config,
    wiki: &Client,
    bus: &Bus,
    holder: &str,
) -> Result<(), NotifierError> {
    let Some(errors) = &config.errors else {
        return Ok(());
    };
    // Asked before every read of the stream: the newest entry alone says whether there is
    // anything new. Compared for being the same, not for order: a forged mark cannot hold the
    // log back.
    let Some(first) = bus.newest_errors(1).await?.into_iter().next() else {
        return Ok(());
    };
    if bus.published_error().await?.as_deref() == Some(first.id.as_str()) {
        return Ok(());
    }
    if !bus.take_error_log_turn(holder, errors.min_interval).await? {
        return Ok(());
    }
    let day = Timestamp::now().day();
    let cap = config.notifier.daily_edit_cap;
    if let Some(cap) = cap
        && bus.take_edit(&day, cap).await?.is_none()
    {
        tracing::info!("the daily edit cap is reached: the error log waits for the next day");
        return Ok(());
    }
    let newest = bus.newest_errors(errors.keep).await?;
    let entries: Vec<ErrorLogEntry> = newest.into_iter().map(|l| l.entry).collect();
    let text = render_error_table(&entries, errors.keep);
    let saved = save(config, wiki, &errors.page, &text).await;
    if cap.is_some() && !matches!(saved, Ok(Some(Replaced::Saved(_)))) {
        let mut commit = bus.commit_builder();
        commit.give_back_edit(&day);
        bus.commit(commit).await?;
    }
    match saved {
        Ok(Some(replaced)) => {
            if let Replaced::Saved(s) = &replaced {
                tracing::info!(page = %errors.page, revid = s.revid, entries = entries.len(), "error log published");
            }
            bus.set_published_error(&first.id).await?;
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(page = %errors.page, error = %e, "the error log was not saved; trying again at the next turn")
        }
    }
    Ok(())
}

/// Saves `text` as the whole log page, if the run page and the page's `{{bots}}` allow it:
/// `None` when they do not.
async fn save(
    config: &Config,
    wiki: &Client,
    page: &str,
    text: &str,
) -> Result<Option<Replaced>, matchbot_wiki::Error> {
    match wiki.may_edit().await {
        Ok(()) => {}
        Err(
            matchbot_wiki::Error::Stopped { .. } | matchbot_wiki::Error::EditBudgetSpent { .. },
        ) => {
            return Ok(None);
        }
        Err(e) => return Err(e),
    }
    let current = wiki.talk_page(page).await?;
    let bot = config.wiki.bot_name();
    let allowed = match exclusion::permit(page, &current.text, bot, ERRORS_MESSAGE) {
        Ok(allowed) => allowed,
        Err(excluded) => {
            tracing::warn!(page, %excluded, "the error log page keeps MatchBot out: not published");
            return Ok(None);
        }
    };
    let summary = config.notifier.summary("MatchBot error log");
    wiki.replace(page, text, &summary, current.revid, &allowed)
        .await
        .map(Some)
}

#[cfg(test)]
mod tests;
