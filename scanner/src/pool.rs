//! The mentor pool: who offers which skill, who opted out, who the maintainer is.

use std::collections::BTreeMap;

use matchbot_bus::Bus;
use matchbot_config::{Config, Mentor, MentorPool, PageRef, Timestamp};
use matchbot_wiki::Client;

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
    let mut categories: Vec<&str> = config
        .skills
        .iter()
        .map(|s| s.mentor_category.as_str())
        .collect();
    categories.push(&config.general_category);
    categories.push(&config.optout_category);
    categories.sort_unstable();
    categories.dedup();

    let mut members: BTreeMap<String, Vec<Mentor>> = BTreeMap::new();
    let mut taken_at: Option<Timestamp> = None;
    for category in categories {
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
    Ok(MentorPool {
        taken_at,
        by_category,
        general,
        opted_out,
        maintainer,
    })
}
