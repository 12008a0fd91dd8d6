//! Why a decision went the way it did. The matcher writes one with every decision; it travels
//! with the decision to the recorder, is stored with the row, and `matchbot explain` prints it.
//!
//! Field names are part of the wire format and of the stored JSON (the `explanation` column).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::level::{Level, Selection};
use crate::people::User;
use crate::timestamp::Timestamp;

/// Everything the matcher weighed for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// `matcher.seed`; with the request id it fixed the draw.
    pub seed: u64,
    /// How the mentor was drawn.
    pub selection: Selection,
    /// Loads counted the learners each mentor got for requests made this many days before this
    /// one (and before it in request order).
    pub load_days: u32,
    /// Availability (away, last edit) was judged at this time: when the request was found.
    pub as_of: Timestamp,
    /// When the scanner read the mentor pool the matcher used.
    pub pool_taken_at: Option<Timestamp>,
    /// Each level looked at, in order, up to the first with a candidate.
    pub levels: Vec<LevelReport>,
    /// The level that decided.
    pub level: Level,
    /// Who was chosen (the maintainer when no level had a candidate).
    pub chosen: User,
    /// The draw: a point in `[0, total weight)` of the deciding level; none for the maintainer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw: Option<f64>,
    /// The revision of the on-wiki settings page the decision was made under; `None`: the
    /// file's settings alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<u64>,
    /// What the gates on learners (`gates.*`) found, when one was judged: the learner let
    /// through, with the facts read; or skipped, and then no mentor was looked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learner_gate: Option<LearnerGate>,
}

/// What a gate on who may be matched found about a learner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "gate", rename_all = "kebab-case")]
pub enum LearnerGate {
    /// Let through: no gate stopped the learner.
    Admitted {
        /// Their edit count when the request was handed out.
        edits: u64,
        /// When their account was registered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        registered: Option<Timestamp>,
    },
    /// Skipped: blocked from editing the whole wiki (`gates.skip_blocked_learners`).
    Blocked,
    /// Held: the account is younger than `gates.min_learner_minutes`.
    TooNew {
        /// When it was registered.
        registered: Timestamp,
        /// The setting.
        minutes: u32,
    },
    /// Held: fewer edits than `gates.min_learner_edits`.
    TooFewEdits {
        /// Their edit count.
        edits: u64,
        /// The setting.
        min: u32,
    },
}

/// A number of edits as a person writes it: "1 edit", "0 edits", "12 edits".
struct Edits(u64);

impl fmt::Display for Edits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 edit"),
            n => write!(f, "{n} edits"),
        }
    }
}

impl fmt::Display for LearnerGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LearnerGate::Admitted {
                edits,
                registered: Some(t),
            } => write!(
                f,
                "learner let through by the gates ({}, registered {t})",
                Edits(*edits)
            ),
            LearnerGate::Admitted {
                edits,
                registered: None,
            } => write!(f, "learner let through by the gates ({})", Edits(*edits)),
            LearnerGate::Blocked => f.write_str(
                "learner blocked from the whole wiki: skipped (gates.skip_blocked_learners)",
            ),
            LearnerGate::TooNew {
                registered,
                minutes,
            } => write!(
                f,
                "learner's account registered {registered}, younger than {minutes} minutes: held (gates.min_learner_minutes)"
            ),
            LearnerGate::TooFewEdits { edits, min } => write!(
                f,
                "learner has {}, fewer than {min}: held (gates.min_learner_edits)",
                Edits(*edits)
            ),
        }
    }
}

/// One level of the fallback: the skill's mentors, then the general ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelReport {
    /// The level.
    pub level: Level,
    /// The mentor category that makes it up.
    pub category: String,
    /// How many people are listed in it (each once, however many profiles they have there).
    pub listed: usize,
    /// Those passed over, and why.
    pub excluded: Vec<Excluded>,
    /// Those who could be drawn, with their weights.
    pub candidates: Vec<Candidate>,
}

impl LevelReport {
    /// The sum of the candidates' weights.
    pub fn total_weight(&self) -> f64 {
        self.candidates.iter().map(|c| c.weight).sum()
    }
}

/// A mentor passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    /// The mentor.
    pub mentor: User,
    /// Why.
    #[serde(flatten)]
    pub reason: Reason,
}

/// Why a listed mentor could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Reason {
    /// The mentor is the learner.
    IsTheLearner,
    /// The mentor's profile is in the opt-out category.
    OptedOut,
    /// The mentor is blocked from editing the whole wiki.
    Blocked,
    /// The mentor is on the do-not-contact list: never chosen.
    DoNotContact,
    /// The mentor marked themself away.
    Away {
        /// When they are back; none: until they leave the away category.
        until: Option<Timestamp>,
    },
    /// The mentor's last edit is older than `matcher.active_within_days`.
    Inactive {
        /// Their last edit.
        last_edit: Timestamp,
        /// The setting.
        days: u32,
    },
    /// The mentor's weight is 0: never assigned automatically.
    WeightZero,
    /// The mentor has fewer edits than `matcher.min_mentor_edits`.
    TooFewEdits {
        /// Their edit count as the pool has it (0 when unknown).
        edits: u64,
        /// The setting.
        min: u32,
    },
    /// The mentor's account is younger than `matcher.min_mentor_days`.
    TooNew {
        /// When it was registered; none when the pool does not know.
        registered: Option<Timestamp>,
        /// The setting.
        days: u32,
    },
    /// The mentor has as many learners as their cap allows.
    AtCapacity {
        /// Learners in the load window.
        load: u32,
        /// Their cap.
        cap: u32,
    },
    /// The mentor had this learner for this request before (a new mentor is never a former one).
    FormerMentor,
    /// The mentor already mentors this learner for another request, and someone else was free.
    AlreadyMentorsLearner {
        /// The other request's category.
        category: String,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::IsTheLearner => f.write_str("is the learner"),
            Reason::FormerMentor => f.write_str("was this learner's mentor for this request"),
            Reason::OptedOut => f.write_str("opted out of new learners"),
            Reason::Blocked => f.write_str("blocked"),
            Reason::DoNotContact => f.write_str("on the do-not-contact list"),
            Reason::Away { until: Some(t) } => write!(f, "away until {t}"),
            Reason::Away { until: None } => f.write_str("away, no return date"),
            Reason::Inactive { last_edit, days } => {
                write!(f, "last edit {last_edit}, more than {days} days before")
            }
            Reason::WeightZero => f.write_str("weight 0: never assigned automatically"),
            Reason::TooFewEdits { edits, min } => write!(
                f,
                "{}, fewer than {min} (matcher.min_mentor_edits)",
                Edits(*edits)
            ),
            Reason::TooNew {
                registered: Some(t),
                days,
            } => write!(
                f,
                "account registered {t}, younger than {days} days (matcher.min_mentor_days)"
            ),
            Reason::TooNew {
                registered: None,
                days,
            } => write!(
                f,
                "account's registration not known, so not {days} days old (matcher.min_mentor_days)"
            ),
            Reason::AtCapacity { load, cap } => {
                write!(f, "at capacity: {load} learners, cap {cap}")
            }
            Reason::AlreadyMentorsLearner { category } => {
                write!(f, "already mentors this learner ({category})")
            }
        }
    }
}

/// A mentor who could be drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The mentor.
    pub mentor: User,
    /// Learners they got in the load window.
    pub load: u32,
    /// Their configured weight (`matcher.mentors.<name>.weight`, default 1).
    pub base_weight: u32,
    /// Their weight in the draw: 1 for `uniform`, `base_weight / (1 + load)` for `least-loaded`.
    pub weight: f64,
}

impl fmt::Display for Explanation {
    /// The explanation for a person, as `matchbot explain` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(gate @ LearnerGate::Blocked) = &self.learner_gate {
            return write!(f, "gates: {gate}; no mentor looked for");
        }
        if let Some(gate) = &self.learner_gate {
            writeln!(f, "gates: {gate}")?;
        }
        writeln!(
            f,
            "policy: {}, seed {}, loads over the {} days before the request",
            self.selection.name(),
            self.seed,
            self.load_days
        )?;
        write!(f, "availability as of {}", self.as_of)?;
        match self.pool_taken_at {
            Some(t) => writeln!(f, "; mentor pool read {t}")?,
            None => writeln!(f)?,
        }
        if let Some(revision) = self.settings {
            writeln!(
                f,
                "settings: revision {revision} of the on-wiki settings page"
            )?;
        }
        for (i, level) in self.levels.iter().enumerate() {
            writeln!(
                f,
                "{}. {} level, {}: {} listed, {} excluded, {} candidate{}",
                i + 1,
                level.level.name(),
                level.category,
                level.listed,
                level.excluded.len(),
                level.candidates.len(),
                if level.candidates.len() == 1 { "" } else { "s" }
            )?;
            for e in &level.excluded {
                writeln!(f, "   - {}: {}", e.mentor.name, e.reason)?;
            }
            let total = level.total_weight();
            for c in &level.candidates {
                writeln!(
                    f,
                    "   + {}: load {}, weight {} → {:.3} ({:.1} %)",
                    c.mentor.name,
                    c.load,
                    c.base_weight,
                    c.weight,
                    100.0 * c.weight / total
                )?;
            }
        }
        match (self.level, self.draw) {
            (Level::Maintainer, _) | (_, None) => write!(
                f,
                "chosen: {} (the maintainer: no level had a candidate)",
                self.chosen.name
            ),
            (level, Some(draw)) => {
                let total = self
                    .levels
                    .iter()
                    .find(|l| l.level == level)
                    .map_or(0.0, LevelReport::total_weight);
                write!(
                    f,
                    "chosen: {} ({} level), draw {draw:.4} of {total:.4}",
                    self.chosen.name,
                    level.name()
                )
            }
        }
    }
}
