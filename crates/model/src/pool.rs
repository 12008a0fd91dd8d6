//! Who can be matched: the mentor pool the scanner writes and the matcher reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::people::{Mentor, User};
use crate::timestamp::Timestamp;

/// Who can be matched right now, as the scanner last saw the wiki.
///
/// Stored in Redis as one JSON value, replaced whole, so a reader never sees half an update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentorPool {
    /// When the scanner read it.
    pub taken_at: Option<Timestamp>,
    /// Members of each mentor category (keyed by the category title), profiles under `pages.main` only.
    pub by_category: BTreeMap<String, Vec<Mentor>>,
    /// Members of the general category.
    pub general: Vec<Mentor>,
    /// Members of the opt-out category: never chosen.
    pub opted_out: Vec<Mentor>,
    /// Mentors blocked from editing the whole wiki: never chosen (a pool written before
    /// blocks were checked reads as none blocked).
    #[serde(default)]
    pub blocked: Vec<User>,
    /// Mentors on a break (`categories.away`), with the day they are back when they gave one.
    #[serde(default)]
    pub away: Vec<Away>,
    /// Each mentor's last edit, by user id; kept only when `matcher.active_within_days` is set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_edits: BTreeMap<u64, Timestamp>,
    /// Each mentor's edit count, by user id; kept only when `matcher.min_mentor_edits` or
    /// `matcher.min_mentor_days` is set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub edit_counts: BTreeMap<u64, u64>,
    /// When each mentor's account was registered, by user id (an account older than the wiki's
    /// record of registrations has none); kept as `edit_counts` is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub registrations: BTreeMap<u64, Timestamp>,
    /// The creator of `defaultmentorprofile`.
    pub maintainer: Option<User>,
    /// The users on the do-not-contact list (`do_not_contact.page`), normalised as the wiki
    /// writes user names: a mentor among them is never chosen (a pool written before the list
    /// was read lists nobody).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub do_not_contact: Vec<String>,
    /// What mentors set for themselves with the mentor template on their profile, by user
    /// name (a pool written before mentors could reads as nobody having set anything).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub own_settings: BTreeMap<String, OwnSettings>,
}

/// What a mentor set for themself on their profile: `{{Co-op mentor|max=3|weight=2|note=…}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnSettings {
    /// `max`: the most learners they want at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_active: Option<u32>,
    /// `weight`: how often they want to be chosen, relative to others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// `note`: what they offer, in their words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A mentor who marked themself away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Away {
    /// The mentor.
    pub mentor: Mentor,
    /// When they are back (from the sort key); `None`: until they leave the category.
    pub until: Option<Timestamp>,
    /// The sort key as written, when it is not a date MatchBot can read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

impl Away {
    /// Reads the sort key prefix of a profile's link to the away category: a date
    /// (`2026-12-24`, back at its start, UTC) or a full timestamp; empty means no date.
    pub fn new(mentor: Mentor, sortkey_prefix: &str) -> Away {
        let written = sortkey_prefix.trim();
        let until = if written.is_empty() {
            None
        } else {
            Timestamp::parse(written)
                .or_else(|_| Timestamp::parse(&format!("{written}T00:00:00Z")))
                .ok()
        };
        let unreadable = (until.is_none() && !written.is_empty()).then(|| written.to_owned());
        Away {
            mentor,
            until,
            unreadable,
        }
    }

    /// True when the mentor is still away at `at`.
    pub fn is_away_at(&self, at: Timestamp) -> bool {
        self.until.is_none_or(|until| at < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_from_before_blocks_away_last_edits_and_edit_counts_still_reads() {
        let old = r#"{"taken_at":"2026-11-21T10:00:00Z","by_category":{},"general":[],"opted_out":[],"maintainer":{"name":"Jtmorgan","id":3}}"#;
        let pool: MentorPool = serde_json::from_str(old).unwrap();
        assert!(pool.blocked.is_empty() && pool.away.is_empty() && pool.last_edits.is_empty());
        assert!(pool.edit_counts.is_empty() && pool.registrations.is_empty());
        assert_eq!(pool.maintainer.map(|m| m.name).as_deref(), Some("Jtmorgan"));
    }

    #[test]
    fn away_reads_a_day_a_timestamp_or_nothing() {
        let mentor = Mentor {
            user: User {
                name: "Ada".into(),
                id: 5,
            },
            profile: crate::PageRef {
                id: 4,
                title: "Wikipedia:Co-op/Ada".into(),
            },
        };
        let back = Timestamp::parse("2026-12-24T00:00:00Z").unwrap();
        let day = Away::new(mentor.clone(), " 2026-12-24 ");
        assert_eq!(day.until, Some(back));
        assert!(day.is_away_at(back.plus_seconds(-1)) && !day.is_away_at(back));
        assert_eq!(
            Away::new(mentor.clone(), "2026-12-24T00:00:00Z").until,
            Some(back)
        );
        let open = Away::new(mentor.clone(), "");
        assert!(open.until.is_none() && open.unreadable.is_none());
        let unreadable = Away::new(mentor, "after Christmas");
        assert!(unreadable.is_away_at(back.plus_seconds(86_400 * 365)));
        assert_eq!(unreadable.unreadable.as_deref(), Some("after Christmas"));
    }
}
