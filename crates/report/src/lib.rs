//! MatchBot's report: what the `matches` table says about a period, for the people who run the
//! Co-op.
//!
//! # Brief overview
//!
//! [`Report::build`] turns a period's rows ([`matchbot_db::Db::handled_between`]) into figures:
//! requests and their outcomes, the no-match rate, the fallback rate, the time from a learner's
//! request to their greeting (median and 90th percentile), matches per skill and load per
//! mentor. [`Report::table`] writes them for a terminal, [`Report::wikitext`] as wikitext
//! tables for the wiki (like MusikBot's human-readable report), and the [`Report`] serialises
//! to JSON as it is.
//!
//! What is counted:
//! - A request is one row, dry runs left out (they say what would have happened). The original
//!   MatchBot could record one greeting twice; its rows count once per profile, category and
//!   category-add time.
//! - No match: requests handed to the maintainer (`matchmade = 0`), of all requests, the
//!   original's included.
//! - Fallback: requests that did not get a mentor of the skill they asked for (a general mentor
//!   or the maintainer), of the requests whose level was recorded (the original did not record
//!   whether its mentor came from the skill or the general category).
//! - Request to greeting: `matchtime − cataddtime` of the greetings posted (the original's rows
//!   are greetings posted); percentiles by nearest rank.
//! - Load per mentor: requests decided for each mentor (the maintainer is not a mentor here),
//!   and how many of those were greeted.
//! - The lifecycle ([`Lifecycle`], from `match_events`): contact rate and time to first contact
//!   of the period's greetings, nudges and new mentors (by reason) posted in the period, and
//!   the requests waiting with the maintainer at its end, with their ages.
#![deny(missing_docs)]

mod lifecycle;
mod render;

use std::collections::{BTreeMap, HashSet};

pub use lifecycle::{Lifecycle, Queue};
use matchbot_db::HandledRow;
use matchbot_model::Timestamp;
use serde::Serialize;

/// The figures for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The first moment of the period (by when requests were handled).
    pub from: Timestamp,
    /// The end of the period, not included.
    pub to: Timestamp,
    /// Requests handled in the period, dry runs and the original's duplicates left out.
    pub requests: u64,
    /// What happened to them on the wiki.
    pub outcomes: Outcomes,
    /// Dry-run rows in the period, not counted anywhere else.
    pub dry_runs: u64,
    /// Rows of the original MatchBot that repeat a greeting it had already recorded.
    pub duplicates: u64,
    /// Requests handed to the maintainer, of all requests.
    pub no_match: Rate,
    /// Requests without a mentor of the skill asked for, of those whose level is recorded.
    pub fallback: Rate,
    /// From the request category's addition to the greeting.
    pub request_to_greeting: Delay,
    /// Per skill asked for, most requested first.
    pub skills: Vec<SkillFigures>,
    /// Per mentor, most loaded first.
    pub mentors: Vec<MentorLoad>,
    /// What happened to matches after their greetings; `None` when nothing was ever recorded
    /// of their lives (no `lifecycle` section, or a deployment from before it).
    pub lifecycle: Option<Lifecycle>,
}

/// Requests by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    /// Greetings MatchBot posted (or found already posted).
    pub posted: u64,
    /// Requests left alone on purpose (`{{nobots}}`, a withdrawn request).
    pub skipped: u64,
    /// Greetings the wiki refused.
    pub failed: u64,
    /// Rows of the original MatchBot, which recorded only greetings it had posted.
    pub original: u64,
}

/// `count` of `of`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rate {
    /// How many.
    pub count: u64,
    /// Out of how many.
    pub of: u64,
    /// `count / of`, when `of` is not zero.
    pub rate: Option<f64>,
}

impl Rate {
    pub(crate) fn new(count: u64, of: u64) -> Rate {
        Rate {
            count,
            of,
            rate: (of > 0).then(|| count as f64 / of as f64),
        }
    }
}

/// How long learners waited, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Delay {
    /// Greetings with both times known.
    pub greetings: u64,
    /// The median wait (nearest rank).
    pub median_seconds: Option<i64>,
    /// The 90th percentile wait (nearest rank).
    pub p90_seconds: Option<i64>,
}

/// The requests for one skill and where their mentors came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillFigures {
    /// The skill, as the Co-op names it.
    pub skill: String,
    /// Requests for it.
    pub requests: u64,
    /// Matched with a mentor offering the skill.
    pub skill_level: u64,
    /// Matched with a general mentor.
    pub general: u64,
    /// Handed to the maintainer.
    pub maintainer: u64,
    /// Matched with a mentor, level not recorded (the original's rows).
    pub level_unknown: u64,
    /// Greetings posted.
    pub greeted: u64,
}

/// One mentor's load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MentorLoad {
    /// The mentor's user id.
    pub user_id: u64,
    /// The mentor's user name, when a row recorded it.
    pub name: Option<String>,
    /// Requests decided for them.
    pub requests: u64,
    /// Of those, greetings posted.
    pub greeted: u64,
}

impl Report {
    /// The figures of `rows`, handled from `from` to `to`. `skill_of` names the skill of a
    /// request category, for rows that did not record it.
    pub fn build(
        rows: &[HandledRow],
        from: Timestamp,
        to: Timestamp,
        skill_of: impl Fn(&str) -> String,
    ) -> Report {
        let mut report = Report {
            from,
            to,
            requests: 0,
            outcomes: Outcomes::default(),
            dry_runs: 0,
            duplicates: 0,
            no_match: Rate::default(),
            fallback: Rate::default(),
            request_to_greeting: Delay::default(),
            lifecycle: None,
            skills: Vec::new(),
            mentors: Vec::new(),
        };
        let mut original_seen = HashSet::new();
        let (mut no_match, mut matchmade_known) = (0, 0);
        let (mut fallback, mut level_known) = (0, 0);
        let mut waits = Vec::new();
        let mut skills: BTreeMap<String, SkillFigures> = BTreeMap::new();
        let mut mentors: BTreeMap<u64, MentorLoad> = BTreeMap::new();
        for row in rows {
            let greeted = match row.outcome.as_deref() {
                Some("dry-run") => {
                    report.dry_runs += 1;
                    continue;
                }
                Some("posted") => {
                    report.outcomes.posted += 1;
                    true
                }
                Some("skipped") => {
                    report.outcomes.skipped += 1;
                    false
                }
                Some(_) => {
                    report.outcomes.failed += 1;
                    false
                }
                None => {
                    let greeting = (row.lprofileid, row.category.clone(), row.cataddtime);
                    if !original_seen.insert(greeting) {
                        report.duplicates += 1;
                        continue;
                    }
                    report.outcomes.original += 1;
                    true
                }
            };
            report.requests += 1;

            let level = row.fallback_level.as_deref().or(match row.matchmade {
                Some(false) => Some("maintainer"),
                _ => None,
            });
            if let Some(matchmade) = row.matchmade {
                matchmade_known += 1;
                no_match += u64::from(!matchmade);
            }
            if let Some(recorded) = &row.fallback_level {
                level_known += 1;
                fallback += u64::from(recorded != "skill");
            }
            if greeted && let Some(added) = row.cataddtime {
                waits.push(row.matchtime.unix() - added.unix());
            }

            let skill = row
                .skill
                .clone()
                .unwrap_or_else(|| skill_of(row.category.as_deref().unwrap_or_default()));
            let figures = skills.entry(skill.clone()).or_insert(SkillFigures {
                skill,
                requests: 0,
                skill_level: 0,
                general: 0,
                maintainer: 0,
                level_unknown: 0,
                greeted: 0,
            });
            figures.requests += 1;
            figures.greeted += u64::from(greeted);
            match level {
                Some("skill") => figures.skill_level += 1,
                Some("general") => figures.general += 1,
                Some(_) => figures.maintainer += 1,
                None => figures.level_unknown += 1,
            }

            if level != Some("maintainer")
                && let Some(id) = row.muid
            {
                let load = mentors.entry(id).or_insert(MentorLoad {
                    user_id: id,
                    name: None,
                    requests: 0,
                    greeted: 0,
                });
                load.requests += 1;
                load.greeted += u64::from(greeted);
                if load.name.is_none() {
                    load.name.clone_from(&row.mentor);
                }
            }
        }
        report.no_match = Rate::new(no_match, matchmade_known);
        report.fallback = Rate::new(fallback, level_known);
        waits.sort_unstable();
        report.request_to_greeting = Delay {
            greetings: waits.len() as u64,
            median_seconds: nearest_rank(&waits, 50),
            p90_seconds: nearest_rank(&waits, 90),
        };
        report.skills = skills.into_values().collect();
        report
            .skills
            .sort_by(|a, b| b.requests.cmp(&a.requests).then(a.skill.cmp(&b.skill)));
        report.mentors = mentors.into_values().collect();
        report.mentors.sort_by(|a, b| {
            b.requests
                .cmp(&a.requests)
                .then_with(|| a.name.cmp(&b.name))
                .then(a.user_id.cmp(&b.user_id))
        });
        report
    }
}

/// The `percent`th percentile of `sorted` by nearest rank: the smallest value with at least
/// `percent`% of the values at or below it.
pub(crate) fn nearest_rank(sorted: &[i64], percent: usize) -> Option<i64> {
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests;
