//! MatchBot's notifier: greets each learner on their profile's talk page, naming their mentor.
//!
//! # Brief overview
//!
//! For each decision: find the talk page (`pages.main` prefix replaced by `pages.talk`), read it,
//! and then
//! - if it already carries this request's marker, the greeting was posted before (a crash
//!   between edit and ack, a replay): record it as posted, with the revision that added it;
//! - if `{{bots}}`/`{{nobots}}` exclude MatchBot, record it as skipped, with the reason;
//! - otherwise append the greeting as a new section (`appendtext`: never a whole-page rewrite,
//!   and a missing talk page is created).
//!
//! The outcome is emitted and the decision acked in one MULTI/EXEC, after the edit is saved.
//! Errors about one page (protected, blocked, …) become a failed outcome carrying the API's
//! code; an outage of the wiki (unreachable, 5xx, lag) is waited out and the decision tried
//! again, which the marker check makes safe; any other error about the bot stops the worker
//! with the decision still pending.
//!
//! # Layout
//!
//! - `greeting`: the text and the marker.
//! - this file: the worker loop and the decision → outcome step.

pub mod greeting;

use matchbot_bus::{BusError, Consumer, Delivery, Stream};
use matchbot_config::{Config, Decision, Outcome, OutcomeKind, Timestamp};
use matchbot_runtime::{Shutdown, StageOptions, Transient, join_stage, retry, run_stage};
use matchbot_wiki::{Client, exclusion};

pub use greeting::{Greeting, marker, render_greeting};

/// The consumer group of this stage.
pub const STAGE: &str = "notifier";

/// This bot's message type for `{{bots|optout=…}}`.
pub const MESSAGE_TYPE: &str = "matchbot";

/// What went wrong, beyond one page.
#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    /// The wiki failed as a whole (after the client's own retries).
    #[error("wiki: {0}")]
    Wiki(#[from] matchbot_wiki::Error),
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl Transient for NotifierError {
    fn is_transient(&self) -> bool {
        match self {
            NotifierError::Wiki(e) => e.is_transient(),
            NotifierError::Bus(e) => e.is_transient(),
        }
    }
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Greetings saved by this run.
    pub posted: usize,
    /// Greetings found already posted (by their marker).
    pub already_posted: usize,
    /// Greetings not posted on purpose.
    pub skipped: usize,
    /// Greetings the wiki refused.
    pub failed: usize,
}

/// Runs the notifier until `shutdown` fires (or, with `once`, until nothing is waiting).
pub async fn run(
    config: &Config,
    options: StageOptions,
    shutdown: Shutdown,
) -> Result<Summary, NotifierError> {
    let mut summary = Summary::default();
    let Some(wiki) = retry(&shutdown, "logging in to the wiki", async || {
        Client::for_bot(&config.wiki)
            .await
            .map_err(NotifierError::from)
    })
    .await?
    else {
        return Ok(summary);
    };
    let Some((bus, mut decisions)) =
        join_stage(&config.redis, Stream::Decisions, STAGE, &options, &shutdown).await?
    else {
        return Ok(summary);
    };
    // One decision at a time, acked as soon as its edit is saved: a crash then repeats at most
    // the one edit in flight, and its marker stops a second post.
    run_stage(
        &mut decisions,
        1,
        &options,
        &shutdown,
        async |decisions: &Consumer, batch: &[Delivery<Decision>]| {
            for entry in batch {
                let outcome = greet(config, &wiki, &entry.payload).await?;
                let mut commit = decisions.commit_builder();
                commit.emit(Stream::Outcomes, &outcome)?;
                decisions.ack(&mut commit, &entry.id);
                bus.commit(commit).await?;
                match &outcome.kind {
                    OutcomeKind::Posted { already: false, .. } => summary.posted += 1,
                    OutcomeKind::Posted { already: true, .. } => summary.already_posted += 1,
                    OutcomeKind::Skipped { .. } => summary.skipped += 1,
                    OutcomeKind::Failed { .. } => summary.failed += 1,
                }
            }
            Ok::<(), NotifierError>(())
        },
    )
    .await?;
    Ok(summary)
}

/// Carries out one decision on the wiki. Errors about the page become the outcome; errors about
/// the wiki or the session are returned.
pub async fn greet(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
) -> Result<Outcome, matchbot_wiki::Error> {
    let request = &decision.request;
    let outcome = |talk_page: &str, kind: OutcomeKind, at: Timestamp| Outcome {
        decision: decision.clone(),
        talk_page: talk_page.to_owned(),
        kind,
        at,
    };
    let Some(talk_title) = config.pages.talk_page_of(&request.profile.title) else {
        return Ok(outcome(
            "",
            OutcomeKind::Failed {
                code: "not-a-profile".into(),
                info: format!(
                    "{} is not a subpage of {}",
                    request.profile.title, config.pages.main
                ),
            },
            Timestamp::now(),
        ));
    };
    let page = match wiki.talk_page(&talk_title).await {
        Ok(page) => page,
        Err(e) if e.is_page_related() => return Ok(failed(outcome, &talk_title, &e)),
        Err(e) => return Err(e),
    };
    let marker = marker(decision);
    let bot = config.wiki.bot_name();
    if page.text.contains(&marker) {
        let earlier = wiki.revision_adding(&page.title, bot, &marker).await?;
        tracing::info!(request = %request.request_id, talk_page = %page.title, "greeting already on the page; not posting again");
        let (revid, at) = earlier.map_or((0, Timestamp::now()), |r| (r.revid, r.timestamp));
        return Ok(outcome(
            &page.title,
            OutcomeKind::Posted {
                revid,
                already: true,
            },
            at,
        ));
    }
    if page.content_model.as_deref() == Some("flow-board") {
        return Ok(outcome(
            &page.title,
            OutcomeKind::Failed {
                code: "flow-board".into(),
                info: "the talk page is a Flow board; posting Flow topics is not supported yet"
                    .into(),
            },
            Timestamp::now(),
        ));
    }
    if let Err(excluded) = exclusion::check(&page.text, bot, MESSAGE_TYPE) {
        tracing::info!(request = %request.request_id, talk_page = %page.title, %excluded, "greeting skipped");
        return Ok(outcome(
            &page.title,
            OutcomeKind::Skipped {
                reason: excluded.to_string(),
            },
            Timestamp::now(),
        ));
    }
    let greeting = render_greeting(config, decision);
    match wiki
        .append(&page.title, &greeting.text, &greeting.summary)
        .await
    {
        Ok(saved) => {
            tracing::info!(
                request = %request.request_id,
                talk_page = %page.title,
                mentor = %decision.mentor.name,
                revid = saved.revid,
                "greeting posted"
            );
            Ok(outcome(
                &page.title,
                OutcomeKind::Posted {
                    revid: saved.revid,
                    already: false,
                },
                saved.timestamp,
            ))
        }
        Err(e) if e.is_page_related() => Ok(failed(outcome, &page.title, &e)),
        Err(e) => Err(e),
    }
}

fn failed(
    outcome: impl Fn(&str, OutcomeKind, Timestamp) -> Outcome,
    talk_page: &str,
    error: &matchbot_wiki::Error,
) -> Outcome {
    tracing::warn!(talk_page, code = error.code(), %error, "the wiki refused the greeting");
    let info = match error {
        matchbot_wiki::Error::Api(api) => api.info.clone(),
        other => other.to_string(),
    };
    outcome(
        talk_page,
        OutcomeKind::Failed {
            code: error.code().to_owned(),
            info,
        },
        Timestamp::now(),
    )
}
