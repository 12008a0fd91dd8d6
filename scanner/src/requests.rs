//! Which request links are new requests: the pure part of finding requests, shared by a poll
//! (category changes, and the changed pages as they are now) and a reconcile (a full listing of
//! each request category). No I/O: what was handed out before and what `matches` holds are
//! passed in.

use std::collections::{BTreeMap, HashMap, HashSet};

use matchbot_config::Config;
use matchbot_db::RequestKey;
use matchbot_model::{PageRef, Request, RequestId, Timestamp, User};
use matchbot_wiki::{CategoryChange, CategoryMember, PageCategories};

/// A profile in a request category: a request, unless someone handled it already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// What identifies the request (its id, profile, category and category-add time).
    pub key: RequestKey,
    /// The profile's title.
    pub title: String,
}

impl Sighting {
    fn new(config: &Config, profile: u64, title: &str, category: &str, added: Timestamp) -> Self {
        Sighting {
            key: RequestKey {
                request_id: RequestId::in_programme(&config.programme, profile, category, added),
                profile_id: profile,
                category: category.to_owned(),
                category_added: added,
            },
            title: title.to_owned(),
        }
    }

    /// The request this is, made by `learner` and found by a scan that started at
    /// `scanned_at`.
    pub fn into_request(self, learner: User, scanned_at: Timestamp) -> Request {
        Request {
            request_id: self.key.request_id,
            profile: PageRef {
                id: self.key.profile_id,
                title: self.title,
            },
            category: self.key.category,
            category_added: self.key.category_added,
            learner,
            scanned_at,
            checkup: None,
            settings: None,
            learner_facts: None,
        }
    }
}

/// Whether a request link counts at all: on a profile (a subpage of `pages.main`), added no
/// earlier than the floor.
fn counts(config: &Config, title: &str, added: Timestamp, floor: Timestamp) -> bool {
    config.pages.is_profile(title) && added >= floor
}

/// The request links that `changes` point at, as `pages` (the changed pages, read since) show
/// them: a change of a request category on a page that is in that category now. A change that
/// was a removal, or was undone, shows nothing.
pub fn from_changes(
    config: &Config,
    changes: &[CategoryChange],
    pages: &BTreeMap<u64, PageCategories>,
    floor: Timestamp,
) -> Vec<Sighting> {
    changes
        .iter()
        .filter(|change| config.is_request_category(&change.category))
        .filter_map(|change| {
            let page = pages.get(&change.pageid)?;
            let added = page.added_to(&change.category)?;
            counts(config, &page.title, added, floor)
                .then(|| Sighting::new(config, page.pageid, &page.title, &change.category, added))
        })
        .collect()
}

/// The request links a full listing of the request category `category` shows.
pub fn from_listing(
    config: &Config,
    category: &str,
    members: &[CategoryMember],
    floor: Timestamp,
) -> Vec<Sighting> {
    members
        .iter()
        .filter(|m| counts(config, &m.title, m.timestamp, floor))
        .map(|m| Sighting::new(config, m.pageid, &m.title, category, m.timestamp))
        .collect()
}

/// The requests `held` (ids a gate held, read from Redis: anyone's writing) that the wiki still
/// shows, as `pages` (their profiles, read since) have them: an id names a profile and a
/// category-add time, and its category is the configured request category that makes the same
/// id. Also the ids that show nothing (withdrawn, gone, or no request id at all), to forget.
pub fn from_held(
    config: &Config,
    held: &[RequestId],
    pages: &BTreeMap<u64, PageCategories>,
    floor: Timestamp,
) -> (Vec<Sighting>, Vec<RequestId>) {
    let mut found = Vec::new();
    let mut gone = Vec::new();
    for id in held {
        let sighting = id.page_and_added().and_then(|(page_id, added)| {
            let page = pages.get(&page_id)?;
            let category = config
                .skills
                .iter()
                .map(|s| s.request_category.as_str())
                .find(|c| RequestId::in_programme(&config.programme, page_id, c, added) == *id)?;
            (page.added_to(category) == Some(added) && counts(config, &page.title, added, floor))
                .then(|| Sighting::new(config, page_id, &page.title, category, added))
        });
        match sighting {
            Some(s) => found.push(s),
            None => gone.push(id.clone()),
        }
    }
    (found, gone)
}

/// When a request handed out before is handed out again: at a reconcile, once it was handed out
/// at least `after_seconds` before `now` (and, as the caller checks, `matches` still has no row
/// for it: its decision or outcome was lost on the way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Again {
    /// The time of the reconcile (the wiki's, of its listing).
    pub now: Timestamp,
    /// How long a request handed out waits for its row before it is handed out again.
    pub after_seconds: i64,
}

/// `sightings` without those handed out before (`seen`: each id with when it was handed out, in
/// Unix seconds), each request once, in the order found. With `again`, a request handed out
/// long enough ago is kept too.
pub fn unseen(
    sightings: Vec<Sighting>,
    seen: &HashMap<RequestId, i64>,
    again: Option<Again>,
) -> Vec<Sighting> {
    let due = |handed_out: i64| again.is_some_and(|a| a.now.unix() - handed_out >= a.after_seconds);
    let mut found = HashSet::new();
    sightings
        .into_iter()
        .filter(|s| {
            seen.get(&s.key.request_id).is_none_or(|at| due(*at))
                && found.insert(s.key.request_id.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests;
