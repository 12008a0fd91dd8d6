//! Carrying out one decision on the wiki: the reads its plan asks for, then the edit, and the
//! outcome. Errors about the page become the outcome; errors about the wiki or the session are
//! returned.
//!
//! After an edit of the page whose result is unknown (a timeout, a 5xx, an answer that is
//! none), the wiki may still be saving it: the text read a moment later need not show it yet.
//! So before posting there again the notifier waits until `notifier.edit_time_limit_seconds`
//! have passed since that edit ended, then looks for the greeting among the bot's own latest
//! revisions (or the board's topics), and posts only if it is not there.

use std::time::Instant;

use matchbot_config::Config;
use matchbot_model::{Decision, Outcome, OutcomeKind, Timestamp};
use matchbot_wiki::{Client, DoNotContact, TalkPageAndRequest};

use crate::greeting::marker;
use crate::plan::{self, Read, Step, Surface, Verdict};

/// The code of a failed outcome whose decision names someone MediaWiki would not allow.
pub const REFUSED_NAME: &str = "refused-name";

/// Carries out `decision`, given what was read for it (its talk page and when the request
/// category was added to the profile, see [`Client::talk_pages_and_requests`]); with
/// `dry_run`, everything but the edit. The run loop waits for the run page before calling
/// this; the edit itself checks the run page and the budget again, in the client.
pub async fn greet(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
    read: Result<TalkPageAndRequest, matchbot_wiki::Error>,
    dry_run: bool,
) -> Result<Outcome, matchbot_wiki::Error> {
    greet_unless_listed(config, wiki, decision, read, None, dry_run).await
}

/// [`greet`], with the do-not-contact list as read with the talk page: a learner on it is
/// skipped (see [`plan`]).
pub async fn greet_unless_listed(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
    read: Result<TalkPageAndRequest, matchbot_wiki::Error>,
    do_not_contact: Option<&DoNotContact>,
    dry_run: bool,
) -> Result<Outcome, matchbot_wiki::Error> {
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
                .talk_page_of(&decision.request.profile.title)
                .unwrap_or_default();
            return Ok(failed(outcome, &talk_title, &e));
        }
        Err(e) => return Err(e),
    };
    let mut read = Read::new(&page, added);
    read.do_not_contact = do_not_contact;
    // Whether the wiki has Flow is about the wiki, not the page: asked outside the reads whose
    // errors are the page's.
    if let Step::AskForFlow = plan::next(config, decision, &read, dry_run) {
        read.wiki_has_flow = Some(wiki.has_flow().await?);
    }
    let done = async {
        let verdict = loop {
            match plan::next(config, decision, &read, dry_run) {
                Step::Decided(verdict) => break verdict,
                Step::AskForFlow => read.wiki_has_flow = Some(wiki.has_flow().await?),
                Step::FindMarkerAuthor => {
                    let bot = config.wiki.bot_name();
                    let added = wiki
                        .revision_adding(&page.title, bot, &marker(decision))
                        .await?;
                    read.marker_added = Some(added);
                }
                Step::FindMarkerOnBoard => {
                    let found = wiki
                        .flow_post_containing(
                            &page.title,
                            config.wiki.bot_name(),
                            &marker(decision),
                        )
                        .await?;
                    read.board_post = Some(found);
                }
                Step::ReadBoardHeader => {
                    read.board_header = Some(wiki.flow_header(&page.title).await?);
                }
            }
        };
        carry_out(config, wiki, decision, &page.title, verdict).await
    };
    match done.await {
        Ok((kind, at)) => Ok(outcome(&page.title, kind, at)),
        Err(e) if e.is_page_related() => Ok(failed(outcome, &page.title, &e)),
        Err(e) => Err(e),
    }
}

/// Does what the verdict says, and says what came of it, when.
async fn carry_out(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
    title: &str,
    verdict: Verdict,
) -> Result<(OutcomeKind, Timestamp), matchbot_wiki::Error> {
    let request = &decision.request.request_id;
    if let Verdict::Post { on, .. } = &verdict
        && wiki.uncertain_write(title).is_some()
        && let Some(found) = posted_meanwhile(config, wiki, decision, title, *on).await?
    {
        return Ok(found);
    }
    match verdict {
        Verdict::PostedBefore {
            on: Surface::Page,
            postid,
            revision,
        } => {
            tracing::info!(%request, talk_page = %title, "greeting already on the page; not posting again");
            let (revid, at) = revision.map_or((0, Timestamp::now()), |r| (r.revid, r.timestamp));
            let kind = OutcomeKind::Posted {
                revid,
                already: true,
                postid,
            };
            Ok((kind, at))
        }
        Verdict::PostedBefore {
            on: Surface::Board,
            postid,
            ..
        } => {
            tracing::info!(%request, talk_page = %title, "greeting already on the board; not posting again");
            let kind = OutcomeKind::Posted {
                revid: 0,
                already: true,
                postid,
            };
            Ok((kind, Timestamp::now()))
        }
        Verdict::Skip { reason } => {
            tracing::info!(%request, talk_page = %title, %reason, "greeting skipped");
            Ok((OutcomeKind::Skipped { reason }, Timestamp::now()))
        }
        Verdict::Refuse { reason } => {
            tracing::warn!(%request, talk_page = %title, %reason, "greeting refused");
            let kind = OutcomeKind::Failed {
                code: REFUSED_NAME.into(),
                info: reason,
            };
            Ok((kind, Timestamp::now()))
        }
        Verdict::DryRun(greeting) => {
            tracing::info!(%request, talk_page = %title, "dry run: greeting not posted");
            let kind = OutcomeKind::DryRun {
                text: greeting.text,
            };
            Ok((kind, Timestamp::now()))
        }
        Verdict::Post {
            on: Surface::Page,
            greeting,
            allowed,
        } => {
            let saved = wiki
                .append(title, &greeting.text, &greeting.summary, &allowed)
                .await?;
            tracing::info!(
                %request,
                talk_page = %title,
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
        Verdict::Post {
            on: Surface::Board,
            greeting,
            allowed,
        } => {
            let post = wiki
                .new_flow_topic(title, &greeting.topic, &greeting.text, &allowed)
                .await?;
            tracing::info!(
                %request,
                talk_page = %title,
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
    }
}

/// After an edit of `title` whose result is unknown: waits until the wiki's request time limit
/// has passed since it ended, then looks for the greeting among the bot's own latest revisions
/// (or the board's topics). `Some` when it is there: posted after all.
async fn posted_meanwhile(
    config: &Config,
    wiki: &Client,
    decision: &Decision,
    title: &str,
    on: Surface,
) -> Result<Option<(OutcomeKind, Timestamp)>, matchbot_wiki::Error> {
    let request = &decision.request.request_id;
    if let Some(ended) = wiki.uncertain_write(title) {
        let settled = ended + config.notifier.edit_time_limit;
        if settled > Instant::now() {
            tracing::info!(
                %request,
                talk_page = %title,
                wait_secs = (settled - Instant::now()).as_secs_f64(),
                "the last edit of this page may still be saving: waiting past the wiki's time limit before looking for it"
            );
            tokio::time::sleep_until(settled.into()).await;
        }
    }
    let marker = marker(decision);
    let found = match on {
        Surface::Page => {
            let bot = config.wiki.bot_name();
            let added = wiki.revision_adding(title, bot, &marker).await?;
            added.map(|r| {
                let kind = OutcomeKind::Posted {
                    revid: r.revid,
                    already: true,
                    postid: None,
                };
                (kind, r.timestamp)
            })
        }
        Surface::Board => wiki
            .flow_post_containing(title, config.wiki.bot_name(), &marker)
            .await?
            .map(|postid| {
                let kind = OutcomeKind::Posted {
                    revid: 0,
                    already: true,
                    postid: Some(postid),
                };
                (kind, Timestamp::now())
            }),
    };
    match &found {
        Some(_) => {
            tracing::info!(%request, talk_page = %title, "the earlier edit was saved after all; not posting again")
        }
        None => {
            tracing::info!(%request, talk_page = %title, "the earlier edit is not there; posting")
        }
    }
    Ok(found)
}

/// The outcome of a decision whose profile is not a subpage of `pages.main`: no talk page to
/// greet on.
pub(crate) fn not_a_profile(config: &Config, decision: &Decision) -> Outcome {
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
