//! A match's life after the greeting: what the scanner saw of it ([`Checkup`]), what the
//! matcher decided to do next ([`Step`]), and what was recorded ([`Event`], a row of
//! `match_events`).
//!
//! Every step has an id unique within its request (`nudge-<mentor id>`, `reassign-<n>`, …),
//! worked out from the recorded history, so the same checkup seen twice decides the same step,
//! the notifier's marker for it (`<!-- matchbot request=… step=… -->`) keeps it from being
//! posted twice, and the recorder's row for it is written once.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::level::Level;
use crate::people::User;
use crate::timestamp::Timestamp;

/// What the scanner saw of one open match: the request travels again to the matcher with this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkup {
    /// The wiki's time when it was seen: the lifecycle's clock.
    pub at: Timestamp,
    /// The first edit since the current mentor was assigned that counts as contact between
    /// them (the mentor on the learner's talk pages, the learner on the mentor's).
    pub contact: Option<Contact>,
    /// The learner's newest edit seen; with `edits_read_since`, whether they are inactive.
    pub learner_last_edit: Option<Timestamp>,
    /// The learner's edits were read in full back to this time (`None`: not read).
    pub edits_read_since: Option<Timestamp>,
    /// The learner is blocked from editing the whole wiki.
    pub learner_blocked: bool,
    /// When the request category was put on the profile, as it is now (`None`: taken off).
    pub request_added: Option<Timestamp>,
    /// When the profile was put in `lifecycle.new_mentor_category`, if it is in it.
    pub wish: Option<Timestamp>,
    /// The match's recorded history, oldest first (the greeting first).
    pub history: Vec<Event>,
}

/// An edit that counts as contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Who wrote: the mentor or the learner.
    pub by: User,
    /// The page edited.
    pub page: String,
    /// The edit.
    pub revid: u64,
    /// When.
    pub at: Timestamp,
}

/// The next step in a match's life, decided by the matcher; travels in its [`crate::Decision`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Unique within the request: the marker and the recorded row carry it.
    pub id: String,
    /// The checkup's clock when it was decided.
    pub at: Timestamp,
    /// What to do.
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Mentor and learner have been in touch: nothing is posted, the match is contacted.
    Contacted {
        /// The edit that showed it.
        contact: Contact,
    },
    /// A short note to the silent mentor, on the learner's talk page, pinging them.
    Nudge {
        /// When the mentor was assigned, with no contact since.
        silent_since: Timestamp,
    },
    /// The learner gets a new mentor (the decision's) and is told, once.
    Reassign {
        /// The mentor before (the maintainer, for a request picked up from the queue).
        from: User,
        /// Why.
        why: Why,
    },
    /// The match ends; nothing is posted.
    Close {
        /// Why.
        why: Closing,
    },
}

impl Action {
    /// True when the step posts nothing: it is only recorded.
    pub fn is_quiet(&self) -> bool {
        matches!(self, Action::Contacted { .. } | Action::Close { .. })
    }

    /// The event it records, as `match_events.event` stores it.
    pub fn event(&self) -> EventKind {
        match self {
            Action::Contacted { .. } => EventKind::Contacted,
            Action::Nudge { .. } => EventKind::Nudged,
            Action::Reassign { .. } => EventKind::Reassigned,
            Action::Close { .. } => EventKind::Closed,
        }
    }
}

/// Why a learner gets a new mentor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum Why {
    /// No contact `lifecycle.rematch_after_days` after the mentor was assigned, nudge or not.
    Silent {
        /// The setting.
        days: u32,
    },
    /// The mentor opted out, was blocked, left every mentor category or stopped editing.
    MentorLeft {
        /// How.
        how: Departure,
    },
    /// The learner asked for a different mentor (`lifecycle.new_mentor_category`).
    Wish {
        /// When they asked.
        asked: Timestamp,
    },
    /// The request waited with the maintainer (nobody was free) and a mentor is free now.
    PickedUp,
}

impl Why {
    /// The reason's name, as reports group reassignments: `silent`, `mentor-left`, `wish`,
    /// `picked-up`.
    pub fn name(&self) -> &'static str {
        match self {
            Why::Silent { .. } => "silent",
            Why::MentorLeft { .. } => "mentor-left",
            Why::Wish { .. } => "wish",
            Why::PickedUp => "picked-up",
        }
    }
}

/// How a mentor left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum Departure {
    /// Their profile is in the opt-out category.
    OptedOut,
    /// Blocked from editing the whole wiki.
    Blocked,
    /// Their profile is in no mentor category any more.
    NotListed,
    /// No edit for `matcher.active_within_days`.
    Inactive {
        /// Their last edit.
        last_edit: Timestamp,
        /// The setting.
        days: u32,
    },
}

/// Why a match ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum Closing {
    /// The learner took the request off their profile after being in touch with the mentor.
    Graduated,
    /// The learner took the request off before any contact.
    Withdrawn,
    /// The learner has not edited for `lifecycle.learner_inactive_days`.
    LearnerInactive {
        /// The setting.
        days: u32,
    },
    /// The learner is blocked from editing the whole wiki.
    LearnerBlocked,
}

/// What a recorded event was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// The greeting named the first mentor.
    Greeted,
    /// Mentor and learner were in touch.
    Contacted,
    /// The mentor was nudged.
    Nudged,
    /// A new mentor was assigned and the learner told.
    Reassigned,
    /// The match ended.
    Closed,
}

impl EventKind {
    /// The name `match_events.event` stores.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Greeted => "greeted",
            EventKind::Contacted => "contacted",
            EventKind::Nudged => "nudged",
            EventKind::Reassigned => "reassigned",
            EventKind::Closed => "closed",
        }
    }

    /// The kind named `name`, as stored.
    pub fn from_name(name: &str) -> Option<EventKind> {
        [
            EventKind::Greeted,
            EventKind::Contacted,
            EventKind::Nudged,
            EventKind::Reassigned,
            EventKind::Closed,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One recorded step of a match's life: a row of `match_events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `greeting` for the greeting, else the step's id.
    pub step: String,
    /// What happened.
    pub kind: EventKind,
    /// When: the post's time, or the step's clock for one that posts nothing.
    pub at: Timestamp,
    /// The mentor concerned: the one greeted, contacted, nudged, assigned or left.
    pub mentor: User,
    /// The level the mentor was found at (the maintainer: nobody was free).
    pub level: Level,
    /// For a reassignment: the mentor before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<User>,
    /// Why, in the words of [`Why::name`] or [`Closing`], for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `posted`, `noted` (nothing to post), `skipped`, `failed` or `dry-run`.
    pub outcome: String,
}

impl Event {
    /// True when the step reached the wiki, or needed nothing posted: it is in effect.
    pub fn took_effect(&self) -> bool {
        self.outcome == "posted" || self.outcome == "noted"
    }
}

/// Who mentors the learner now, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    /// The mentor (the maintainer while the request waits in the unmatched queue).
    pub mentor: User,
    /// The level they were found at.
    pub level: Level,
    /// When they were assigned: the greeting or the reassignment that named them.
    pub since: Timestamp,
}

/// The pairing `history` is at: its last greeting or reassignment that took effect. `None`
/// before any greeting.
pub fn pairing(history: &[Event]) -> Option<Pairing> {
    history
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Greeted | EventKind::Reassigned) && e.took_effect())
        .max_by_key(|e| e.at)
        .map(|e| Pairing {
            mentor: e.mentor.clone(),
            level: e.level,
            since: e.at,
        })
}

/// True when `history` holds a close that took effect: the match is over.
pub fn is_closed(history: &[Event]) -> bool {
    history
        .iter()
        .any(|e| e.kind == EventKind::Closed && e.took_effect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(step: &str, kind: EventKind, at: i64, mentor: u64, outcome: &str) -> Event {
        Event {
            step: step.into(),
            kind,
            at: Timestamp::parse("2026-11-01T00:00:00Z")
                .unwrap()
                .plus_seconds(at),
            mentor: User {
                name: format!("M{mentor}"),
                id: mentor,
            },
            level: Level::Skill,
            from: None,
            reason: None,
            outcome: outcome.into(),
        }
    }

    #[test]
    fn the_pairing_is_the_last_assignment_that_reached_the_wiki() {
        let mut history = vec![event("greeting", EventKind::Greeted, 0, 1, "posted")];
        assert_eq!(pairing(&history).unwrap().mentor.id, 1);
        history.push(event("nudge-1", EventKind::Nudged, 10, 1, "posted"));
        history.push(event("reassign-1", EventKind::Reassigned, 20, 2, "skipped"));
        assert_eq!(pairing(&history).unwrap().mentor.id, 1, "not posted");
        history.push(event("reassign-2", EventKind::Reassigned, 30, 3, "posted"));
        let now = pairing(&history).unwrap();
        assert_eq!((now.mentor.id, now.since), (3, history[3].at));
        assert!(!is_closed(&history));
        history.push(event("close", EventKind::Closed, 40, 3, "noted"));
        assert!(is_closed(&history));
    }

    #[test]
    fn a_step_reads_back_as_written() {
        let step = Step {
            id: "reassign-1".into(),
            at: Timestamp::parse("2026-11-21T10:00:00Z").unwrap(),
            action: Action::Reassign {
                from: User {
                    name: "Ada".into(),
                    id: 5,
                },
                why: Why::MentorLeft {
                    how: Departure::OptedOut,
                },
            },
        };
        let json = serde_json::to_string(&step).unwrap();
        assert!(json.contains(r#""action":"reassign""#), "{json}");
        assert!(json.contains(r#""why":"mentor-left""#), "{json}");
        assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), step);
        assert_eq!(
            EventKind::from_name("reassigned"),
            Some(EventKind::Reassigned)
        );
    }
}
