//! What one check of the open matches saw, turned into a [`Checkup`] per match (pure: no
//! I/O). The reads are in `checkups`.
//!
//! Contact is an edit, after the current mentor was assigned, by the mentor on the learner's
//! profile talk page or user talk page, or by the learner on the mentor's user talk page: who
//! edited which page, never what they wrote.

use std::collections::{BTreeMap, BTreeSet};

use matchbot_config::Config;
use matchbot_db::OpenMatch;
use matchbot_model::{Checkup, Contact, PageRef, Request, Timestamp, User, pairing};
use matchbot_wiki::{Contribution, PageCategories};

/// The user talk namespace, the same number on every MediaWiki.
pub(crate) const USER_TALK: i64 = 3;

/// What one check read of the wiki.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// The check's clock.
    pub at: Option<Timestamp>,
    /// The profiles, with their request and new-mentor categories.
    pub profiles: BTreeMap<u64, PageCategories>,
    /// The learners blocked sitewide, by name.
    pub blocked: BTreeSet<String>,
    /// Edits by mentors and learners on talk pages since the oldest pairing.
    pub talk_edits: Vec<Contribution>,
    /// Each learner's newest edit, by name, since `edits_since`.
    pub learner_edits: BTreeMap<String, Timestamp>,
    /// The learners' edits were read back to this time; `complete`: all of them.
    pub edits_since: Option<Timestamp>,
    /// False when the learners' edits were more than the pages read could hold.
    pub edits_complete: bool,
}

/// The request of `open` again, with what `seen` says of its match; `None` for a match not
/// greeted yet or whose profile is not one (`pages.main` changed since).
pub(crate) fn checkup(config: &Config, open: &OpenMatch, seen: &Seen) -> Option<Request> {
    let at = seen.at?;
    let now = pairing(&open.events)?;
    let title = config.pages.profile_of(&open.talk_page)?;
    let profile = seen.profiles.get(&open.profile_id);
    let request_added = profile.and_then(|p| p.added_to(&open.category));
    let wish = config
        .lifecycle
        .as_ref()
        .and_then(|l| l.new_mentor_category.as_deref())
        .and_then(|c| profile.and_then(|p| p.added_to(c)));
    let learner = &open.learner;
    let seen_edit = seen.learner_edits.get(&learner.name).copied();
    // Seen, the learner is active whatever was not read; unseen, only a full read says so.
    let edits_read_since = seen
        .edits_since
        .filter(|_| seen.edits_complete || seen_edit.is_some());
    let checkup = Checkup {
        at,
        contact: first_contact(
            &seen.talk_edits,
            &open.talk_page,
            learner,
            &now.mentor,
            now.since,
        ),
        learner_last_edit: seen_edit,
        edits_read_since,
        learner_blocked: seen.blocked.contains(&learner.name),
        request_added,
        wish,
        history: open.events.clone(),
    };
    Some(Request {
        request_id: open.request_id.clone(),
        profile: PageRef {
            id: open.profile_id,
            title,
        },
        category: open.category.clone(),
        category_added: open.category_added,
        learner: learner.clone(),
        scanned_at: open.scanned_at,
        checkup: Some(Box::new(checkup)),
        settings: None,
        learner_facts: None,
    })
}

/// The oldest edit in `edits` from `since` on that counts as contact between `learner`
/// (whose profile's talk page is `talk_page`) and `mentor`.
fn first_contact(
    edits: &[Contribution],
    talk_page: &str,
    learner: &User,
    mentor: &User,
    since: Timestamp,
) -> Option<Contact> {
    let user_talk_of = |e: &Contribution, name: &str| {
        e.ns == USER_TALK
            && e.title
                .split_once(':')
                .is_some_and(|(_, page)| page == name)
    };
    edits
        .iter()
        .filter(|e| e.timestamp >= since)
        .filter(|e| {
            let by_mentor =
                same(e, mentor) && (e.title == talk_page || user_talk_of(e, &learner.name));
            let by_learner = same(e, learner) && user_talk_of(e, &mentor.name);
            by_mentor || by_learner
        })
        .min_by_key(|e| (e.timestamp, e.revid))
        .map(|e| Contact {
            by: if same(e, mentor) {
                mentor.clone()
            } else {
                learner.clone()
            },
            page: e.title.clone(),
            revid: e.revid,
            at: e.timestamp,
        })
}

fn same(edit: &Contribution, user: &User) -> bool {
    if edit.userid != 0 && user.id != 0 {
        edit.userid == user.id
    } else {
        edit.user == user.name
    }
}

#[cfg(test)]
mod tests;
