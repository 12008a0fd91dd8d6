//! MatchBot's notifier: greets each learner on their profile's talk page, naming their mentor.
//!
//! # Brief overview
//!
//! For each decision: wait while the run page (the kill switch) does not say `true`, find the
//! talk page (`pages.main` prefix replaced by `pages.talk`), read it (for up to 25 decisions in
//! one API request when nothing waits between their edits, see [`decisions_per_read`]), and
//! then
//! - if it already carries this request's marker, the greeting was posted before (a crash
//!   between edit and ack, a replay): record it as posted, with the revision that added it;
//! - if the learner took the request category off their profile since (read in the same
//!   request as the talk page), or took it off and put it back (a newer request, which the
//!   scanner finds on its own), record it as skipped: nobody is greeted for a request they
//!   withdrew;
//! - if `{{bots}}`/`{{nobots}}` exclude MatchBot, record it as skipped, with the reason;
//! - otherwise post the greeting: a new topic on a Flow board, else a new section appended
//!   with `appendtext` (never a whole-page rewrite; a missing talk page is created, as a Flow
//!   board when `notifier.missing_talk_page` says so and the wiki has Flow).
//!
//! The outcome is emitted and the decision acked in one MULTI/EXEC, as soon as the edit is
//! saved; outcomes that changed nothing on the wiki (dry runs, skips, greetings found already
//! posted) go out together at the end of their batch.
//! Errors about one page (protected, blocked, …) become a failed outcome carrying the API's
//! code; an outage of the wiki (unreachable, 5xx, lag) is waited out and the decision tried
//! again, which the marker check makes safe; any other error about the bot stops the worker
//! with the decision still pending.
//!
//! Every edit goes through the client's etiquette: at least `notifier.edit_interval_seconds`
//! apart, and within the `--max-edits` budget of a trial; when the budget is used up the
//! notifier stops before reading another decision, so the rest wait in the stream. `--dry-run` does everything but
//! the edit and records the text it would have posted.
//!
//! # Layout
//!
//! - `greeting`: the text and the marker.
//! - this file: the worker loop and the decision → outcome step.

pub mod greeting;

use matchbot_bus::{BusError, Consumer, Delivery, Stream};
use matchbot_config::{Config, Decision, MissingTalkPage, Outcome, OutcomeKind, Timestamp};
use matchbot_runtime::{Shutdown, StageOptions, Transient, join_stage, retry, run_stage};
use matchbot_wiki::{Client, RequestCheck, TalkPage, TalkPageAndRequest, exclusion};
use tracing::Instrument;

pub use greeting::{Greeting, marker, render_flow_greeting, render_greeting};

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

/// How a trial run differs from a normal one.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Trial {
    /// `--dry-run`: everything but the edit.
    pub dry_run: bool,
    /// `--max-edits N`: stop after N edits.
    pub max_edits: Option<u64>,
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Greetings saved by this run.
    pub posted: usize,
    /// Greetings found already posted (by their marker).
    pub already_posted: usize,
    /// Greetings a dry run would have posted.
    pub dry_run: usize,
    /// Greetings not posted on purpose.
    pub skipped: usize,
    /// Greetings the wiki refused.
    pub failed: usize,
    /// True when the run stopped because its edit budget was used up.
    pub budget_spent: bool,
}

/// Runs the notifier until `shutdown` fires (or, with `once`, until nothing is waiting, or
/// when the edit budget is used up).
pub async fn run(
    config: &Config,
    options: StageOptions,
    trial: Trial,
    shutdown: Shutdown,
) -> Result<Summary, NotifierError> {
    let mut summary = Summary::default();
    let n = &config.notifier;
    let Some(wiki) = retry(&shutdown, "logging in to the wiki", async || {
        Client::bot_builder(&config.wiki)
            .edit_interval(n.edit_interval)
            .run_page(&n.run_page, n.run_page_check)
            .edit_budget(trial.max_edits)
            .build()
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
    let per_read = decisions_per_read(config, trial);
    let ran = run_stage(
        &mut decisions,
        per_read,
        &options,
        &shutdown,
        async |decisions: &Consumer, batch: &[Delivery<Decision>]| {
            if !trial.dry_run && !wait_for_run_page(config, &wiki, &shutdown).await? {
                return Ok(());
            }
            // A read shared by several decisions belongs to all their traces.
            let read_span = match batch {
                [one] => decisions.process_span(one),
                _ => decisions.batch_span(batch),
            };
            let reads = read_talk_pages(config, &wiki, batch)
                .instrument(read_span.clone())
                .await?;
            // Outcomes that changed nothing on the wiki go out together; an edit's goes out
            // with everything before it as soon as the edit is saved.
            let mut commit = decisions.commit_builder();
            for (entry, read) in batch.iter().zip(reads) {
                let span = match batch {
                    [_] => read_span.clone(),
                    _ => decisions.process_span(entry),
                };
                let outcome = match read {
                    Some(read) => {
                        greet(config, &wiki, &entry.payload, read, trial.dry_run)
                            .instrument(span.clone())
                            .await?
                    }
                    None => not_a_profile(config, &entry.payload),
                };
                span.in_scope(|| commit.emit(Stream::Outcomes, &outcome))?;
                decisions.ack(&mut commit, &entry.id);
                let edited = matches!(outcome.kind, OutcomeKind::Posted { already: false, .. });
                if edited {
                    let saved = std::mem::replace(&mut commit, decisions.commit_builder());
                    bus.commit(saved).instrument(span).await?;
                }
                match &outcome.kind {
                    OutcomeKind::Posted { already: false, .. } => summary.posted += 1,
                    OutcomeKind::Posted { already: true, .. } => summary.already_posted += 1,
                    OutcomeKind::DryRun { .. } => summary.dry_run += 1,
                    OutcomeKind::Skipped { .. } => summary.skipped += 1,
                    OutcomeKind::Failed { .. } => summary.failed += 1,
                }
                if !edited {
                    continue;
                }
                // Stop as soon as the budget is spent, before another decision is read: one
                // read and left unhandled would wait `claim_idle` for the next run.
                if let (Some(budget), Some(0)) = (trial.max_edits, wiki.edits_left().await) {
                    bus.commit(commit).await?;
                    return Err(matchbot_wiki::Error::EditBudgetSpent { budget }.into());
                }
                // Likewise wait out the edit interval here, where a stop can cut the wait short
                // with nothing in hand, rather than inside the next edit.
                let pause = wiki.until_next_edit().await;
                if !pause.is_zero() && shutdown.sleep(pause).await {
                    bus.commit(commit).await?;
                    return Ok(());
                }
            }
            if !commit.is_empty() {
                bus.commit(commit).await?;
            }
            Ok::<(), NotifierError>(())
        },
    )
    .await;
    match ran {
        Ok(()) => Ok(summary),
        Err(NotifierError::Wiki(matchbot_wiki::Error::EditBudgetSpent { budget })) => {
            tracing::info!(
                budget,
                "the edit budget (--max-edits) is used up: stopping; the decisions left wait in the stream for the next run"
            );
            summary.budget_spent = true;
            Ok(summary)
        }
        Err(e) => Err(e),
    }
}

/// Waits while the run page does not say `true`, reading it again every
/// `notifier.run_page_check_seconds`. False when shutdown came first.
async fn wait_for_run_page(
    config: &Config,
    wiki: &Client,
    shutdown: &Shutdown,
) -> Result<bool, matchbot_wiki::Error> {
    loop {
        match wiki.may_edit().await {
            Ok(()) => return Ok(true),
            Err(matchbot_wiki::Error::Stopped { .. }) => {
                if shutdown.sleep(config.notifier.run_page_check).await {
                    return Ok(false);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// How many decisions are read, and their talk pages fetched, together.
///
/// As many as one API request can fetch (25 learners: 50 titles) when the edits would follow
/// one another at once: in a dry run, or with no edit interval and no edit budget. Otherwise
/// one: a talk page read 25 edit intervals before its edit would be stale, and decisions read
/// beyond a spent budget would sit with a stopped consumer until `claim_idle` passed.
pub fn decisions_per_read(config: &Config, trial: Trial) -> usize {
    let at_once = config.notifier.edit_interval.is_zero() && trial.max_edits.is_none();
    if trial.dry_run || at_once { 25 } else { 1 }
}

/// Reads what each decision of `batch` needs before its greeting (its talk page, and whether
/// the request still stands) in as few API requests as the API allows. `None` for a decision
/// whose profile is not under `pages.main`: there is nothing to read.
async fn read_talk_pages(
    config: &Config,
    wiki: &Client,
    batch: &[Delivery<Decision>],
) -> Result<Vec<Option<Result<TalkPageAndRequest, matchbot_wiki::Error>>>, matchbot_wiki::Error> {
    let talk_pages: Vec<Option<String>> = batch
        .iter()
        .map(|e| config.pages.talk_page_of(&e.payload.request.profile.title))
        .collect();
    let checks: Vec<RequestCheck<'_>> = batch
        .iter()
        .zip(&talk_pages)
        .filter_map(|(entry, talk_page)| {
            let request = &entry.payload.request;
            Some(RequestCheck {
                talk_page: talk_page.as_deref()?,
                profile: &request.profile.title,
                category: &request.category,
            })
        })
        .collect();
    let mut read = wiki.talk_pages_and_requests(&checks).await?.into_iter();
    Ok(talk_pages
        .iter()
        .map(|title| title.as_ref().and_then(|_| read.next()))
        .collect())
}

/// The outcome of a decision whose profile is not a subpage of `pages.main`: no talk page to
/// greet on.
fn not_a_profile(config: &Config, decision: &Decision) -> Outcome {
    let request = &decision.request;
    Outcome {
        decision: decision.clone(),
        talk_page: String::new(),
        kind: OutcomeKind::Failed {
            code: "not-a-profile".into(),
            info: format!(
                "{} is not a subpage of {}",
                request.profile.title, config.pages.main
            ),
        },
        at: Timestamp::now(),
    }
}

/// Carries out one decision on the wiki, given what was read for it (its talk page and when
/// the request category was added to the profile, see [`Client::talk_pages_and_requests`]);
/// with `dry_run`, everything but the edit. Errors about the page become the outcome; errors
/// about the wiki or the session are returned. The run loop waits for the run page before
/// calling this; the edit itself checks the run page and the budget again, in the client.
pub async fn greet(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
    read: Result<TalkPageAndRequest, matchbot_wiki::Error>,
    dry_run: bool,
) -> Result<Outcome, matchbot_wiki::Error> {
    let request = &decision.request;
    let outcome = |talk_page: &str, kind: OutcomeKind, at: Timestamp| Outcome {
        decision: decision.clone(),
        talk_page: talk_page.to_owned(),
        kind,
        at,
    };
    let (page, added) = match read {
        Ok(read) => read,
        Err(e) if e.is_page_related() => {
            let talk_title = config
                .pages
                .talk_page_of(&request.profile.title)
                .unwrap_or_default();
            return Ok(failed(outcome, &talk_title, &e));
        }
        Err(e) => return Err(e),
    };
    let on_board = match (page.exists, page.content_model.as_deref()) {
        (_, Some("flow-board")) => true,
        (false, _) => {
            config.notifier.missing_talk_page == MissingTalkPage::Flow && wiki.has_flow().await?
        }
        (true, _) => false,
    };
    let withdrawn = withdrawn(request, added);
    let done = if on_board {
        greet_on_board(config, wiki, decision, &page, withdrawn, dry_run).await
    } else {
        greet_on_wikitext(config, wiki, decision, &page, withdrawn, dry_run).await
    };
    match done {
        Ok((kind, at)) => Ok(outcome(&page.title, kind, at)),
        Err(e) if e.is_page_related() => Ok(failed(outcome, &page.title, &e)),
        Err(e) => Err(e),
    }
}

/// A new section on a wikitext talk page (created when missing).
async fn greet_on_wikitext(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
    page: &TalkPage,
    withdrawn: Option<OutcomeKind>,
    dry_run: bool,
) -> Result<(OutcomeKind, Timestamp), matchbot_wiki::Error> {
    let request = &decision.request;
    let marker = marker(decision);
    let bot = config.wiki.bot_name();
    if page.text.contains(&marker) {
        let earlier = wiki.revision_adding(&page.title, bot, &marker).await?;
        tracing::info!(request = %request.request_id, talk_page = %page.title, "greeting already on the page; not posting again");
        let (revid, at) = earlier.map_or((0, Timestamp::now()), |r| (r.revid, r.timestamp));
        let kind = OutcomeKind::Posted {
            revid,
            already: true,
            postid: None,
        };
        return Ok((kind, at));
    }
    if let Some(withdrawn) = withdrawn {
        return Ok((withdrawn, Timestamp::now()));
    }
    if let Some(skipped) = excluded(config, &page.text, request, &page.title) {
        return Ok((skipped, Timestamp::now()));
    }
    let greeting = render_greeting(config, decision);
    if dry_run {
        return Ok(would_post(greeting, request, &page.title));
    }
    let saved = wiki
        .append(&page.title, &greeting.text, &greeting.summary)
        .await?;
    tracing::info!(
        request = %request.request_id,
        talk_page = %page.title,
        mentor = %decision.mentor.name,
        revid = saved.revid,
        "greeting posted"
    );
    let kind = OutcomeKind::Posted {
        revid: saved.revid,
        already: false,
        postid: None,
    };
    Ok((kind, saved.timestamp))
}

/// A new topic on a Flow board (created when missing, if the account may).
async fn greet_on_board(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
    page: &TalkPage,
    withdrawn: Option<OutcomeKind>,
    dry_run: bool,
) -> Result<(OutcomeKind, Timestamp), matchbot_wiki::Error> {
    let request = &decision.request;
    let marker = marker(decision);
    if page.exists
        && let Some(postid) = wiki.flow_post_containing(&page.title, &marker).await?
    {
        tracing::info!(request = %request.request_id, talk_page = %page.title, "greeting already on the board; not posting again");
        let kind = OutcomeKind::Posted {
            revid: 0,
            already: true,
            postid: Some(postid),
        };
        return Ok((kind, Timestamp::now()));
    }
    if let Some(withdrawn) = withdrawn {
        return Ok((withdrawn, Timestamp::now()));
    }
    if page.exists {
        // A board has no wikitext of its own; `{{nobots}}` goes in its header.
        let header = wiki.flow_header(&page.title).await?;
        if let Some(skipped) = excluded(config, &header, request, &page.title) {
            return Ok((skipped, Timestamp::now()));
        }
    }
    let greeting = render_flow_greeting(config, decision);
    if dry_run {
        return Ok(would_post(greeting, request, &page.title));
    }
    let post = wiki
        .new_flow_topic(&page.title, &greeting.topic, &greeting.text)
        .await?;
    tracing::info!(
        request = %request.request_id,
        talk_page = %page.title,
        mentor = %decision.mentor.name,
        postid = %post.post_revision_id,
        topic = %post.topic_page,
        "greeting posted as a Flow topic"
    );
    let kind = OutcomeKind::Posted {
        revid: 0,
        already: false,
        postid: Some(post.post_revision_id),
    };
    // Flow does not return the time of the post; the original recorded its own clock too.
    Ok((kind, Timestamp::now()))
}

/// A skipped outcome when the request no longer stands: the profile is not in the request
/// category now (`added` is `None`), or was put in it again later (a newer request).
fn withdrawn(request: &matchbot_config::Request, added: Option<Timestamp>) -> Option<OutcomeKind> {
    let reason = match added {
        Some(added) if added == request.category_added => return None,
        Some(added) => format!(
            "request superseded: {} was taken off {} and added again at {added}",
            request.category, request.profile.title
        ),
        None => format!(
            "request withdrawn: {} is no longer on {}",
            request.category, request.profile.title
        ),
    };
    tracing::info!(request = %request.request_id, %reason, "greeting skipped");
    Some(OutcomeKind::Skipped { reason })
}

/// A skipped outcome when `{{bots}}`/`{{nobots}}` in `wikitext` keep MatchBot out.
fn excluded(
    config: &Config,
    wikitext: &str,
    request: &matchbot_config::Request,
    title: &str,
) -> Option<OutcomeKind> {
    let excluded = exclusion::check(wikitext, config.wiki.bot_name(), MESSAGE_TYPE).err()?;
    tracing::info!(request = %request.request_id, talk_page = %title, %excluded, "greeting skipped");
    Some(OutcomeKind::Skipped {
        reason: excluded.to_string(),
    })
}

fn would_post(
    greeting: Greeting,
    request: &matchbot_config::Request,
    title: &str,
) -> (OutcomeKind, Timestamp) {
    tracing::info!(request = %request.request_id, talk_page = %title, "dry run: greeting not posted");
    let kind = OutcomeKind::DryRun {
        text: greeting.text,
    };
    (kind, Timestamp::now())
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
