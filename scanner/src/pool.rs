//! The mentor pool: who offers which skill, who opted out or is blocked, who the maintainer is.
//!
//! Read in full at each reconcile; between two, kept current from the category changes the
//! scanner polls, one changed profile at a time.

use std::collections::{BTreeMap, BTreeSet};

use matchbot_bus::Bus;
use matchbot_config::{Config, Mentor, MentorPool, PageRef, Timestamp, User};
use matchbot_wiki::{Client, PageCategories};

use crate::ScanError;
use crate::creators::Creators;

/// Reads the pool from the wiki: every mentor category, the general and the opt-out category
/// (each listed once even when the configuration names it twice, as the original's sample does),
/// profiles under `pages.main` only, each mentor being the creator of their profile.
pub(crate) async fn read(
    config: &Config,
    wiki: &Client,
    bus: &Bus,
    creators: &mut Creators,
) -> Result<MentorPool, ScanError> {
    let mut members: BTreeMap<String, Vec<Mentor>> = BTreeMap::new();
    let mut taken_at: Option<Timestamp> = None;
    for category in categories(config) {
        let listing = wiki.category_members(category, None).await?;
        taken_at = taken_at.max(Some(listing.server_time));
        let mut mentors = Vec::new();
        for page in listing
            .members
            .into_iter()
            .filter(|p| config.pages.is_profile(&p.title))
        {
            match creators.get(wiki, bus, page.pageid).await? {
                Some(user) => mentors.push(Mentor {
                    user,
                    profile: PageRef {
                        id: page.pageid,
                        title: page.title,
                    },
                }),
                None => {
                    tracing::warn!(profile = %page.title, "mentor profile has no known creator; left out")
                }
            }
        }
        mentors.sort_by_key(|m| m.profile.id);
        members.insert(category.to_owned(), mentors);
    }

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
    let general = members
        .get(&config.general_category)
        .cloned()
        .unwrap_or_default();
    let opted_out = members
        .get(&config.optout_category)
        .cloned()
        .unwrap_or_default();
    let by_category = config
        .skills
        .iter()
        .map(|s| {
            (
                s.mentor_category.clone(),
                members.get(&s.mentor_category).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let mut pool = MentorPool {
        taken_at,
        by_category,
        general,
        opted_out,
        blocked: Vec::new(),
        maintainer,
    };
    let names: BTreeSet<User> = everyone(&pool).cloned().collect();
    mark_blocked(wiki, &mut pool, &names).await?;
    Ok(pool)
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
    joined
}

/// Asks the wiki which of `users` are blocked and records the answer in `pool.blocked`.
pub(crate) async fn mark_blocked(
    wiki: &Client,
    pool: &mut MentorPool,
    users: &BTreeSet<User>,
) -> Result<(), ScanError> {
    if users.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    let blocked = wiki.blocked(&names).await?;
    pool.blocked.retain(|u| !users.contains(u));
    for user in users.iter().filter(|u| blocked.contains(&u.name)) {
        tracing::info!(mentor = %user.name, "mentor is blocked: not matched while the block lasts");
        pool.blocked.push(user.clone());
    }
    pool.blocked.sort_by_key(|u| u.id);
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
