//! What to do about one decision, given what has been read of its talk page: the one sequence
//! of checks every greeting goes through, on a wikitext page and on a Flow board alike. No I/O:
//! when a check needs something not yet read, [`next`] says what to read, and the caller reads
//! it and asks again.
//!
//! The checks, in order:
//! 1. Is the greeting there already (the request's marker on the page, added by one of the
//!    bot's own revisions, or in a topic of the board)? Then it was posted before — a crash
//!    between edit and ack, a replay — and is not posted again. A marker someone else wrote
//!    (request ids can be worked out from public data) counts for nothing.
//! 2. Does the request still stand (the profile still in the request category, put there at
//!    the time the request names)? A withdrawn or superseded request is skipped.
//! 3. Is the learner on the do-not-contact list (`do_not_contact.page`, read in the same request
//!    as the talk page)? Then it is skipped, naming the list.
//! 4. Does the page use one of `gates.skip_templates` (`{{Retired}}`, say), or do
//!    `{{bots}}`/`{{nobots}}` (in the page's text, or a board's header) keep MatchBot out?
//!    Then it is skipped, naming the template.
//! 5. Otherwise the greeting: a new section on a page, a new topic on a board; in a dry run,
//!    only its text. A decision naming someone (or a skill) with characters MediaWiki allows in
//!    no user name or title is refused, and nothing is posted.

use matchbot_config::{Config, MissingTalkPage};
use matchbot_model::{Decision, Request, Timestamp};
use matchbot_wiki::exclusion::{self, Allowed};
use matchbot_wiki::{DoNotContact, Revision, TalkPage};

use crate::greeting::{Greeting, marker, render_flow_greeting, render_greeting};

/// This bot's message type for `{{bots|optout=…}}`.
pub const MESSAGE_TYPE: &str = "matchbot";

/// The content model of a Flow board.
const FLOW_BOARD: &str = "flow-board";

/// What the greeting is posted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// A new section appended to a wikitext page (created when missing).
    Page,
    /// A new topic on a Flow board (created when missing, if the account may).
    Board,
}

/// What has been read for one decision so far.
#[derive(Debug, Clone)]
pub struct Read<'a> {
    /// The talk page, read with the profile's categories (see `reads`).
    pub page: &'a TalkPage,
    /// When the request category was added to the profile, as it is now (`None`: it is not
    /// on the profile any more).
    pub added: Option<Timestamp>,
    /// Whether the wiki runs Flow, once asked (only a missing page makes it matter).
    pub wiki_has_flow: Option<bool>,
    /// On an existing board, once its topics were read: the post carrying the marker, if any.
    pub board_post: Option<Option<String>>,
    /// On an existing board, once read: its header.
    pub board_header: Option<String>,
    /// On a page whose text holds the marker, once looked up: the bot's own revision that
    /// added it (`None`: none did, someone else wrote it).
    pub marker_added: Option<Option<Revision>>,
    /// The do-not-contact list, as read with the talk page (`None`: there is none).
    pub do_not_contact: Option<&'a DoNotContact>,
}

impl<'a> Read<'a> {
    /// What the first read gave: the talk page and the profile's request category.
    pub fn new(page: &'a TalkPage, added: Option<Timestamp>) -> Read<'a> {
        Read {
            page,
            added,
            wiki_has_flow: None,
            board_post: None,
            board_header: None,
            marker_added: None,
            do_not_contact: None,
        }
    }
}

/// The next thing to do.
#[derive(Debug)]
pub enum Step {
    /// Ask the wiki whether it runs Flow.
    AskForFlow,
    /// Look among the bot's own revisions of the page for the one that added the marker.
    FindMarkerAuthor,
    /// Read the board's newest topics, looking for the request's marker.
    FindMarkerOnBoard,
    /// Read the board's header, where a board's `{{bots}}` goes.
    ReadBoardHeader,
    /// Everything needed is read.
    Decided(Verdict),
}

/// What the notifier does about the decision.
#[derive(Debug)]
pub enum Verdict {
    /// The greeting is there already; on a board, in this post.
    PostedBefore {
        /// Where.
        on: Surface,
        /// The post carrying the marker, on a board.
        postid: Option<String>,
        /// The bot's revision that added the marker, on a page.
        revision: Option<Revision>,
    },
    /// No greeting, on purpose.
    Skip {
        /// Why, for a person.
        reason: String,
    },
    /// The greeting cannot be rendered safely: a name in the decision is one MediaWiki would
    /// refuse. Nothing is posted; the outcome is a failure with this reason.
    Refuse {
        /// Why, for a person.
        reason: String,
    },
    /// A dry run: the greeting that would be posted.
    DryRun(Greeting),
    /// Post this greeting.
    Post {
        /// Where.
        on: Surface,
        /// The text and summary.
        greeting: Greeting,
        /// The page's `{{bots}}` verdict, which the edit asks for.
        allowed: Allowed,
    },
}

/// The next step for `decision`, given `read`.
pub fn next(config: &Config, decision: &Decision, read: &Read<'_>, dry_run: bool) -> Step {
    let page = read.page;
    let on = match (page.exists, page.content_model.as_deref()) {
        (_, Some(FLOW_BOARD)) => Surface::Board,
        (false, _) if config.notifier.missing_talk_page == MissingTalkPage::Flow => {
            match read.wiki_has_flow {
                None => return Step::AskForFlow,
                Some(true) => Surface::Board,
                Some(false) => Surface::Page,
            }
        }
        _ => Surface::Page,
    };
    let marker = marker(decision);
    match (on, page.exists) {
        (Surface::Page, _) if page.text.contains(&marker) => match &read.marker_added {
            None => return Step::FindMarkerAuthor,
            Some(Some(revision)) => {
                let revision = Some(revision.clone());
                return Step::Decided(Verdict::PostedBefore {
                    on,
                    postid: None,
                    revision,
                });
            }
            // Someone else's: not the bot's greeting, whatever it says.
            Some(None) => {}
        },
        (Surface::Board, true) => match &read.board_post {
            None => return Step::FindMarkerOnBoard,
            Some(Some(postid)) => {
                let postid = Some(postid.clone());
                return Step::Decided(Verdict::PostedBefore {
                    on,
                    postid,
                    revision: None,
                });
            }
            Some(None) => {}
        },
        _ => {}
    }
    if let Some(reason) = withdrawn(&decision.request, read.added) {
        return Step::Decided(Verdict::Skip { reason });
    }
    let learner = &decision.request.learner.name;
    if let (Some(list), Some(listed)) = (&config.do_not_contact, read.do_not_contact)
        && listed.contains(learner)
    {
        let reason = format!("{DO_NOT_CONTACT}: {learner} is listed on {}", list.page);
        return Step::Decided(Verdict::Skip { reason });
    }
    let wikitext = match (on, page.exists) {
        (Surface::Page, _) => page.text.as_str(),
        (Surface::Board, true) => match &read.board_header {
            None => return Step::ReadBoardHeader,
            Some(header) => header.as_str(),
        },
        (Surface::Board, false) => "",
    };
    if let Some(reason) = skip_template(config, page, on) {
        return Step::Decided(Verdict::Skip { reason });
    }
    let bot = config.wiki.bot_name();
    let allowed = match exclusion::permit(&page.title, wikitext, bot, MESSAGE_TYPE) {
        Ok(allowed) => allowed,
        Err(excluded) => {
            let reason = excluded.to_string();
            return Step::Decided(Verdict::Skip { reason });
        }
    };
    let rendered = match on {
        Surface::Page => render_greeting(config, decision),
        Surface::Board => render_flow_greeting(config, decision),
    };
    let greeting = match rendered {
        Ok(greeting) => greeting,
        Err(refused) => {
            let reason = refused.to_string();
            return Step::Decided(Verdict::Refuse { reason });
        }
    };
    Step::Decided(if dry_run {
        Verdict::DryRun(greeting)
    } else {
        Verdict::Post {
            on,
            greeting,
            allowed,
        }
    })
}

/// How a skip for the do-not-contact list begins.
pub const DO_NOT_CONTACT: &str = "on the do-not-contact list";

/// How the reasons of skips a maintainer hears of begin: the do-not-contact list, and
/// `{{bots}}`/`{{nobots}}` (`matchbot_wiki::exclusion::Excluded`'s forms). A request withdrawn
/// or superseded, or a page using one of `gates.skip_templates`, is nothing to act on.
const NOTABLE_REASONS: [&str; 3] = [DO_NOT_CONTACT, "the page carries ", "the page is "];

/// Whether a skip with `reason` is one for the error log: the learner was left out by
/// `{{bots}}`/`{{nobots}}` or the do-not-contact list.
pub fn skip_is_notable(reason: &str) -> bool {
    NOTABLE_REASONS.iter().any(|r| reason.starts_with(r))
}

/// Why the talk page is not greeted, if it uses one of `gates.skip_templates` (read with the
/// page: only a template asked about counts, whatever else the answer lists).
fn skip_template(config: &Config, page: &TalkPage, on: Surface) -> Option<String> {
    if on != Surface::Page {
        return None;
    }
    let skip: Vec<String> = config
        .gates
        .skip_templates
        .iter()
        .map(|t| title_key(t))
        .collect();
    let found = page
        .templates
        .iter()
        .find(|t| skip.contains(&title_key(t)))?;
    Some(format!(
        "the talk page uses {found}, one of gates.skip_templates"
    ))
}

/// A title as the wiki compares it: underscores are spaces, runs of spaces one, and the first
/// letter after the namespace a capital (as on every wiki with `$wgCapitalLinks`, the
/// default). So `Template:retired_user` in the settings is the wiki's `Template:Retired user`;
/// on a wiki without capital links two templates differing only in that letter are skipped
/// alike, which errs on the side of not greeting.
fn title_key(title: &str) -> String {
    let spaced = title.replace('_', " ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let joined = words.join(" ");
    let (namespace, name) = joined.split_once(':').unwrap_or(("", &joined));
    let name = name.trim_start();
    let mut chars = name.chars();
    let first: String = chars
        .next()
        .map(char::to_uppercase)
        .into_iter()
        .flatten()
        .collect();
    format!("{namespace}:{first}{}", chars.as_str())
}

/// Why the request no longer stands, if it does not: the profile is not in the request
/// category now (`added` is `None`), or was put in it again later (a newer request, which the
/// scanner finds on its own).
fn withdrawn(request: &Request, added: Option<Timestamp>) -> Option<String> {
    match added {
        Some(added) if added == request.category_added => None,
        Some(added) => Some(format!(
            "request superseded: {} was taken off {} and added again at {added}",
            request.category, request.profile.title
        )),
        None => Some(format!(
            "request withdrawn: {} is no longer on {}",
            request.category, request.profile.title
        )),
    }
}

#[cfg(test)]
mod tests;
