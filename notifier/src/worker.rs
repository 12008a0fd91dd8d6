//! The notifier's loop: wait for the run page, read a batch of decisions' talk pages, carry
//! each decision out, and emit its outcome with the decision's ack.

use std::sync::Arc;

use matchbot_bus::{Bus, Consumer, DECISIONS, Delivery, OUTCOMES};
use matchbot_config::Config;
use matchbot_model::{Decision, OutcomeKind, Timestamp};
use matchbot_runtime::{
    LiveConfig, Next, Shutdown, StageOptions, connect, join_stage, retry, run_stage_when,
};
use matchbot_wiki::Client;
use tracing::Instrument;

use crate::account::BusAccount;
use crate::error::NotifierError;
use crate::error_log::{self, about_outcome, cap_reached};
use crate::greet::{greet_unless_listed, not_a_profile};
use crate::reads::{decisions_per_read, read_talk_pages};
use crate::trial::Trial;

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

/// What the notifier runs on: the wiki (logged in as the bot, with the edit etiquette of
/// `notifier.*` and the trial's budget, kept on the bus for every replica), the bus, and its
/// place in the notifier's group.
pub struct Deps {
    /// The wiki, as the bot.
    pub wiki: Client,
    /// The bus the outcomes go to.
    pub bus: Bus,
    /// The notifier's reader of the decisions stream.
    pub decisions: Consumer<Decision>,
}

impl Deps {
    /// Joins the notifier's group as `options.consumer` and logs in, waiting out outages;
    /// `None` if `shutdown` came first.
    pub async fn connect(
        config: &Config,
        trial: Trial,
        options: &StageOptions,
        shutdown: &Shutdown,
    ) -> Result<Option<Deps>, NotifierError> {
        let n = &config.notifier;
        let Some((bus, decisions)) =
            join_stage(&config.redis, DECISIONS, options, shutdown).await?
        else {
            return Ok(None);
        };
        // The interval, the budget and the kill switch are the bot account's: every replica
        // takes them from the bus.
        let account = Arc::new(BusAccount::new(bus.clone(), &options.consumer));
        let Some(wiki) = retry(shutdown, "logging in to the wiki", async || {
            connect::wiki(&config.wiki)
                .edit_interval(n.edit_interval)
                .run_page(&n.run_page, n.run_page_check)
                .edit_budget(trial.max_edits)
                .account_gate(account.clone())
                .build()
                .await
                .map_err(NotifierError::from)
        })
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(Deps {
            wiki,
            bus,
            decisions,
        }))
    }
}

/// Runs the notifier until `shutdown` fires (or, with `once`, until nothing is waiting, or
/// when the edit budget is used up).
pub async fn run(
    config: &Config,
    deps: Deps,
    options: StageOptions,
    trial: Trial,
    shutdown: Shutdown,
) -> Result<Summary, NotifierError> {
    let mut summary = Summary::default();
    let Deps {
        wiki,
        bus,
        mut decisions,
    } = deps;
    let per_read = decisions_per_read(config, trial);
    let mut live = LiveConfig::new(config.clone());
    live.refresh(&bus).await?;
    // Who takes the error log's turn: this process.
    let holder = format!("{} {}", options.consumer, std::process::id());
    let publish_errors = async || {
        if !trial.dry_run {
            error_log::publish(config, &wiki, &bus, &holder).await;
        }
    };
    // The run page is read before a read of the stream that follows a batch (and before the
    // first), so that a bot told to stop holds no decision while it waits (one held by a
    // notifier stopped meanwhile would wait `claim_idle` for the next); and again before each
    // batch's edits, in case it changed. After a read that found nothing it is not read
    // again: the last reading said true (a stopped bot waits in `wait_for_run_page` and reads
    // nothing), so an idle notifier asks the wiki nothing, and a batch read after a stop is
    // caught before its edits and handed back when the notifier stops.
    let batch_since_last_read = std::cell::Cell::new(true);
    let may_read = async || {
        if trial.dry_run {
            return Ok(true);
        }
        let running = !batch_since_last_read.replace(false)
            || wait_for_run_page(config, &wiki, &shutdown).await?;
        let may = running && wait_for_the_next_day(config, &bus, &options, &shutdown).await?;
        // Between batches (and every read's wait, when idle), the error log gets its turn.
        publish_errors().await;
        Ok(may)
    };
    run_stage_when(
        &mut decisions,
        per_read,
        &options,
        &shutdown,
        may_read,
        async |decisions: &Consumer<Decision>, batch: &[Delivery<Decision>]| {
            batch_since_last_read.set(true);
            if !trial.dry_run && !wait_for_run_page(config, &wiki, &shutdown).await? {
                return Ok(Next::Stop);
            }
            // A decision made under a newer settings page is greeted with its texts.
            let wanted = batch.iter().filter_map(|e| made_under(&e.payload)).max();
            live.catch_up(&bus, wanted).await?;
            let config = live.config();
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
                // One of the day's edits is taken before the greeting and given back with an
                // outcome that made none: the cap holds across every notifier.
                let day = Timestamp::now().day();
                let cap = config.notifier.daily_edit_cap.filter(|_| !trial.dry_run);
                if let Some(cap) = cap
                    && bus.take_edit(&day, cap).await?.is_none()
                {
                    // The rest of the batch waits, held, until the next day.
                    bus.commit(commit).await?;
                    cap_reached(&bus, &day, cap).await?;
                    return Ok(Next::Continue);
                }
                let outcome = match read {
                    Some((read, listed)) => {
                        let greeted = greet_unless_listed(
                            config,
                            &wiki,
                            &entry.payload,
                            read,
                            listed.as_deref(),
                            trial.dry_run,
                        )
                        .instrument(span.clone())
                        .await;
                        // An edit answered, again and again, with no answer: given up, so it
                        // cannot hold the notifier for ever.
                        // Another replica took the trial's last edit meanwhile: this decision
                        // waits, unacked, for the next run.
                        if let Err(matchbot_wiki::Error::EditBudgetSpent { .. }) = &greeted {
                            bus.commit(commit).await?;
                            summary.budget_spent = true;
                            return Ok(Next::Stop);
                        }
                        if let Err(e @ matchbot_wiki::Error::BadAnswers { .. }) = &greeted {
                            let reason = e.to_string();
                            decisions.dead_letter_in(&mut commit, entry, &reason).await?;
                            continue;
                        }
                        greeted?
                    }
                    None => not_a_profile(config, &entry.payload),
                };
                span.in_scope(|| commit.emit(OUTCOMES, &outcome))?;
                // A maintainer hears of what they can act on: with the outcome, or not at all.
                if let Some(problem) = about_outcome(&outcome).filter(|_| !trial.dry_run) {
                    commit.log_error(&problem)?;
                }
                // Only a posted greeting keeps its place in the mentor's load.
                matchbot_matcher::ledger::settle(&mut commit, &outcome);
                decisions.ack(&mut commit, &entry.id);
                let edited = matches!(outcome.kind, OutcomeKind::Posted { already: false, .. });
                if cap.is_some() && !edited {
                    commit.give_back_edit(&day);
                }
                if edited {
                    let saved = std::mem::replace(&mut commit, decisions.commit_builder());
                    bus.commit(saved).instrument(span).await?;
                }
                match &outcome.kind {
                    OutcomeKind::Posted { already: false, .. } => summary.posted += 1,
                    OutcomeKind::Posted { already: true, .. } => summary.already_posted += 1,
                    OutcomeKind::DryRun { .. } => summary.dry_run += 1,
                    OutcomeKind::Skipped { .. } | OutcomeKind::Noted => summary.skipped += 1,
                    OutcomeKind::Failed { .. } => summary.failed += 1,
                }
                if !edited {
                    continue;
                }
                // Stop as soon as the budget is spent, before another decision is read: one
                // read and left unhandled would wait `claim_idle` for the next run.
                if let (Some(budget), Some(0)) = (trial.max_edits, wiki.edits_left().await) {
                    bus.commit(commit).await?;
                    tracing::info!(
                        budget,
                        "the edit budget (--max-edits) is used up: stopping; the decisions left wait in the stream for the next run"
                    );
                    summary.budget_spent = true;
                    return Ok(Next::Stop);
                }
                // Likewise wait out the edit interval here, where a stop can cut the wait short
                // with nothing in hand, rather than inside the next edit.
                let pause = wiki.until_next_edit().await;
                if !pause.is_zero() && shutdown.sleep(pause).await {
                    bus.commit(commit).await?;
                    return Ok(Next::Stop);
                }
            }
            bus.commit(commit).await?;
            Ok::<Next, NotifierError>(Next::Continue)
        },
    )
    .await?;
    // What this run added to the error log is published now, if it is this replica's turn;
    // not on the way out after a stop, which must not wait for an edit.
    if !shutdown.is_shutdown() {
        publish_errors().await;
    }
    Ok(summary)
}

/// The revision of the settings page `decision` was made under.
fn made_under(decision: &Decision) -> Option<u64> {
    let explained = decision.explanation.as_ref().and_then(|e| e.settings);
    explained.max(decision.request.settings)
}

/// Waits while the bot account's edits of the day (`notifier.daily_edit_cap`) are all taken,
/// looking again every minute; with `--once`, stops instead. False when it stops.
async fn wait_for_the_next_day(
    config: &Config,
    bus: &Bus,
    options: &StageOptions,
    shutdown: &Shutdown,
) -> Result<bool, NotifierError> {
    let Some(cap) = config.notifier.daily_edit_cap else {
        return Ok(true);
    };
    let mut said = false;
    loop {
        let day = Timestamp::now().day();
        let made = bus.edits_on(&day).await?;
        if made < cap {
            return Ok(true);
        }
        if !said {
            cap_reached(bus, &day, cap).await?;
            tracing::warn!(
                cap,
                day = %day,
                "the daily edit cap (notifier.daily_edit_cap) is reached: no more greetings until 00:00 UTC; the decisions wait in the stream"
            );
            said = true;
        }
        if options.once || shutdown.sleep(std::time::Duration::from_secs(60)).await {
            return Ok(false);
        }
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
            // Another replica spent the trial's last edit: this one is done too.
            Err(matchbot_wiki::Error::EditBudgetSpent { budget }) => {
                tracing::info!(
                    budget,
                    "the edit budget (--max-edits) is used up: stopping; the decisions left wait in the stream for the next run"
                );
                return Ok(false);
            }
            Err(e) => return Err(e),
        }
    }
}
