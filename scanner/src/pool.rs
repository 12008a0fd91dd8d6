//! The mentor pool: who offers which skill, who opted out or is blocked, who the maintainer is,
//! who is on the do-not-contact list.
//!
//! Read in full at each reconcile; between two, kept current from the category changes the
//! scanner polls, one changed profile at a time.

use std::collections::{BTreeMap, BTreeSet};

use matchbot_bus::Bus;
use matchbot_config::Config;
use matchbot_model::{Away, Mentor, MentorPool, PageRef, Timestamp, User};
use matchbot_wiki::{Client, PageCategories};

use crate::creators::Creators;
use crate::error::ScanError;
use crate::mentor_settings::{self, OwnProblem};

/// Reads the pool from the wiki: every mentor category, the general and the opt-out category
/// (each listed once even when the configuration names it twice, as the original's sample does),
/// profiles under `pages.main` only, each mentor being the creator of their profile.
pub(crate) async fn read(
    config: &Config,
    wiki: &Client,
    bus: &Bus,
    creators: &mut Creators,
    problems: &mut Vec<OwnProblem>,
) -> Result<MentorPool, ScanError> {
    // Each category's mentors, with the sort key they are listed under.
    let mut members: BTreeMap<String, Vec<(Mentor, String)>> = BTreeMap::new();
    let mut taken_at: Option<Timestamp> = None;
    for category in categories(config) {
        let listing = wiki.category_members(category, None).await?;
        taken_at = taken_at.max(Some(listing.server_time));
        let mut mentors = Vec::new();
        let profiles: Vec<_> = listing
            .members
            .into_iter()
            .filter(|p| config.pages.is_profile(&p.title))
            .collect();
        let ids: Vec<u64> = profiles.iter().map(|p| p.pageid).collect();
        let mut found = creators.of_profiles(wiki, bus, &ids).await?;
        for page in profiles {
            match found.remove(&page.pageid) {
                Some(user) => mentors.push((
                    Mentor {
                        user,
                        profile: PageRef {
                            id: page.pageid,
                            title: page.title,
                        },
                    },
                    page.sortkeyprefix,
                )),
                None => {
                    tracing::warn!(profile = %page.title, "mentor profile has no known creator; left out")
                }
            }
        }
        mentors.sort_by_key(|(m, _)| m.profile.id);
        members.insert(category.to_owned(), mentors);
    }
    let listed = |category: &str| -> Vec<Mentor> {
        members
            .get(category)
            .into_iter()
            .flatten()
            .map(|(m, _)| m.clone())
            .collect()
    };

    let maintainer = match wiki
        .page_creator_by_title(&config.maintainer_profile)
        .await?
    {
        Some(creator) => Some(creator.user),
        None => {
            tracing::warn!(
                profile = %config.maintainer_profile,
                "defaultmentorprofile does not exist: unmatched learners cannot be handed to the maintainer"
            );
            None
        }
    };
    let away = config
        .away_category
        .as_ref()
        .and_then(|c| members.get(c))
        .into_iter()
        .flatten()
        .map(|(mentor, sortkey)| away(mentor.clone(), sortkey))
        .collect();
    let mut pool = MentorPool {
        taken_at,
        by_category: config
            .skills
            .iter()
            .map(|s| (s.mentor_category.clone(), listed(&s.mentor_category)))
            .collect(),
        general: listed(&config.general_category),
        opted_out: listed(&config.optout_category),
        blocked: Vec::new(),
        away,
        last_edits: BTreeMap::new(),
        edit_counts: BTreeMap::new(),
        registrations: BTreeMap::new(),
        maintainer,
        do_not_contact: do_not_contact(config, wiki).await?,
        own_settings: BTreeMap::new(),
    };
    if let Some(category) = &config.mentor_settings_category {
        for (mentor, sortkey) in members.get(category).into_iter().flatten() {
            note_own_settings(&mut pool, mentor, sortkey, problems);
        }
    }
    let names: BTreeSet<User> = everyone(&pool).cloned().collect();
    look_up(config, wiki, &mut pool, &names).await?;
    Ok(pool)
}

/// The names on the do-not-contact list (`do_not_contact.page`), read at each reconcile and
/// when a poll shows the list edited: a mentor on it is never chosen. A learner on it is never
/// greeted in any case, as the notifier reads the list with the talk page it is about to post
/// on.
pub(crate) async fn do_not_contact(
    config: &Config,
    wiki: &Client,
) -> Result<Vec<String>, ScanError> {
    let Some(list) = &config.do_not_contact else {
        return Ok(Vec::new());
    };
    let read = wiki.do_not_contact(&list.page).await?;
    if read.truncated {
        tracing::warn!(page = %list.page, kept = read.len(), "the do-not-contact list is longer than MatchBot reads: the rest is not taken into account");
    }
    Ok(read.names().map(str::to_owned).collect())
}

/// Notes what `mentor` set with the mentor template (the sort key of their profile's link to
/// `categories.mentor_settings`), and each value ignored in `problems`.
fn note_own_settings(
    pool: &mut MentorPool,
    mentor: &Mentor,
    sortkey: &str,
    problems: &mut Vec<OwnProblem>,
) {
    let (own, ignored) = mentor_settings::parse(sortkey);
    for why in ignored {
        problems.push((mentor.profile.title.clone(), why));
    }
    pool.own_settings.insert(mentor.user.name.clone(), own);
}

/// A mentor in the away category, their sort key read as the day they are back.
fn away(mentor: Mentor, sortkey_prefix: &str) -> Away {
    let away = Away::new(mentor, sortkey_prefix);
    if let Some(written) = &away.unreadable {
        tracing::warn!(
            mentor = %away.mentor.user.name,
            sortkey = %written,
            "away without a readable return date (expected YYYY-MM-DD): away until the profile leaves the category"
        );
    }
    away
}

/// The categories that make up the pool: every mentor category, the general and the opt-out
/// category, each once.
pub(crate) fn categories(config: &Config) -> Vec<&str> {
    let mut categories: Vec<&str> = config
        .skills
        .iter()
        .map(|s| s.mentor_category.as_str())
        .collect();
    categories.push(&config.general_category);
    categories.push(&config.optout_category);
    if let Some(away) = &config.away_category {
        categories.push(away);
    }
    if let Some(own) = &config.mentor_settings_category {
        categories.push(own);
    }
    categories.sort_unstable();
    categories.dedup();
    categories
}

/// Brings `pool` up to date with `page`, whose membership of the pool categories `changed`
/// just changed: the page leaves those lists and joins the ones it is in now (as its creator,
/// when it is a profile). Returns the mentors who joined a list they were not on.
pub(crate) fn apply(
    config: &Config,
    pool: &mut MentorPool,
    page: &PageCategories,
    creator: Option<&User>,
    changed: &BTreeSet<&str>,
    problems: &mut Vec<OwnProblem>,
) -> Vec<User> {
    let mentor = creator
        .filter(|_| config.pages.is_profile(&page.title))
        .map(|user| Mentor {
            user: user.clone(),
            profile: PageRef {
                id: page.pageid,
                title: page.title.clone(),
            },
        });
    let mut joined = Vec::new();
    let mut update = |category: &str, list: &mut Vec<Mentor>| {
        if !changed.contains(category) {
            return;
        }
        let was_on = list.iter().any(|m| m.profile.id == page.pageid);
        list.retain(|m| m.profile.id != page.pageid);
        if let Some(mentor) = &mentor
            && page.added_to(category).is_some()
        {
            if !was_on {
                tracing::info!(mentor = %mentor.user.name, %category, "mentor joined");
                joined.push(mentor.user.clone());
            }
            list.push(mentor.clone());
            list.sort_by_key(|m| m.profile.id);
        } else if was_on {
            tracing::info!(profile = %page.title, %category, "mentor left");
        }
    };
    for (category, list) in pool.by_category.iter_mut() {
        update(category, list);
    }
    update(&config.general_category, &mut pool.general);
    update(&config.optout_category, &mut pool.opted_out);
    if let Some(category) = config.away_category.as_deref()
        && changed.contains(category)
    {
        pool.away.retain(|a| a.mentor.profile.id != page.pageid);
        if let (Some(mentor), Some(link)) = (&mentor, page.membership(category)) {
            let away = away(mentor.clone(), &link.sortkey_prefix);
            tracing::info!(mentor = %mentor.user.name, until = ?away.until, "mentor is away");
            pool.away.push(away);
            pool.away.sort_by_key(|a| a.mentor.profile.id);
        }
    }
    if let Some(category) = config.mentor_settings_category.as_deref()
        && changed.contains(category)
        && let Some(mentor) = &mentor
    {
        pool.own_settings.remove(&mentor.user.name);
        if let Some(link) = page.membership(category) {
            note_own_settings(pool, mentor, &link.sortkey_prefix, problems);
            tracing::info!(mentor = %mentor.user.name, settings = ?pool.own_settings.get(&mentor.user.name), "mentor set their own settings");
        }
    }
    joined
}

/// Asks the wiki what the pool keeps about `users` beyond their categories: their blocks (with
/// their edit counts and registrations, in the same request, when the mentor gates need
/// them), and their last edits when `matcher.active_within_days` needs them. For the whole pool at a
/// reconcile, for mentors who joined in between.
pub(crate) async fn look_up(
    config: &Config,
    wiki: &Client,
    pool: &mut MentorPool,
    users: &BTreeSet<User>,
) -> Result<(), ScanError> {
    mark_blocked(config, wiki, pool, users).await?;
    note_last_edits(config, wiki, pool, users).await
}

/// Asks the wiki which of `users` are blocked and records the answer in `pool.blocked`; with
/// the mentor gates on, their edit counts and registrations too (the same request).
async fn mark_blocked(
    config: &Config,
    wiki: &Client,
    pool: &mut MentorPool,
    users: &BTreeSet<User>,
) -> Result<(), ScanError> {
    if users.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    let accounts = wiki.accounts(&names).await?;
    pool.blocked.retain(|u| !users.contains(u));
    for user in users {
        let facts = accounts.get(&user.name);
        if facts.is_some_and(|f| f.blocked) {
            tracing::info!(mentor = %user.name, "mentor is blocked: not matched while the block lasts");
            pool.blocked.push(user.clone());
        }
        pool.edit_counts.remove(&user.id);
        pool.registrations.remove(&user.id);
        if let Some(facts) = facts.filter(|_| config.matcher.gates_mentors()) {
            pool.edit_counts.insert(user.id, facts.edits);
            if let Some(registered) = facts.registered {
                pool.registrations.insert(user.id, registered);
            }
        }
    }
    pool.blocked.sort_by_key(|u| u.id);
    Ok(())
}

/// When `matcher.active_within_days` is set, looks up when each of `users` last edited (one
/// request each) and records it in `pool.last_edits`; otherwise does nothing.
async fn note_last_edits(
    config: &Config,
    wiki: &Client,
    pool: &mut MentorPool,
    users: &BTreeSet<User>,
) -> Result<(), ScanError> {
    if config.matcher.active_within_days.is_none() {
        return Ok(());
    }
    for user in users {
        match wiki.last_edit(&user.name).await? {
            Some(t) => pool.last_edits.insert(user.id, t),
            None => pool.last_edits.remove(&user.id),
        };
    }
    Ok(())
}

/// Every mentor on any list of the pool (opted-out ones too).
fn everyone(pool: &MentorPool) -> impl Iterator<Item = &User> {
    pool.by_category
        .values()
        .flatten()
        .chain(&pool.general)
        .chain(&pool.opted_out)
        .map(|m| &m.user)
}
