//! Who may be matched: the gates HostBot and Growth's mentorship apply, as pure functions of a
//! request (with the learner's account as the scanner read it), the mentor pool and the
//! settings. No I/O, and no clock but the request's own `scanned_at`.
//!
//! A learner blocked from the whole wiki is skipped (`gates.skip_blocked_learners`); a learner
//! whose account is younger than `gates.min_learner_minutes` or who has fewer edits than
//! `gates.min_learner_edits` is held until they qualify; a mentor with fewer edits than
//! `matcher.min_mentor_edits` or an account younger than `matcher.min_mentor_days` is passed
//! over. Each says why, in the decision's explanation or the log.

use std::collections::BTreeMap;

use matchbot_config::{GatesConfig, MatcherConfig};
use matchbot_model::{
    Decision, Explanation, LearnerGate, Level, MentorPool, Reason, Request, Timestamp, User,
};

/// What the gates on learners make of a new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Matched as usual; with what the gates found, when they judged.
    Admit(Option<LearnerGate>),
    /// Not matched at all: recorded as skipped, with the reason.
    Skip(LearnerGate),
    /// Not matched yet: the scanner hands the request out again, with the learner's account
    /// read afresh, no earlier than `until`.
    Hold {
        /// When to look again: when the account is old enough, or a recheck for edits.
        until: Timestamp,
        /// Which gate holds it.
        why: LearnerGate,
    },
}

/// Judges `request`'s learner by the gates, as of when the request was found.
pub fn judge(gates: &GatesConfig, request: &Request) -> Verdict {
    // A request from before the gates, or from a scanner no gate asked to read accounts for.
    let Some(facts) = &request.learner_facts else {
        return Verdict::Admit(None);
    };
    let now = request.scanned_at;
    if facts.blocked && gates.skip_blocked_learners {
        return Verdict::Skip(LearnerGate::Blocked);
    }
    if gates.min_learner_minutes > 0
        && let Some(registered) = facts.registered
    {
        let old_enough = registered.plus_seconds(i64::from(gates.min_learner_minutes) * 60);
        if now < old_enough {
            return Verdict::Hold {
                until: old_enough,
                why: LearnerGate::TooNew {
                    registered,
                    minutes: gates.min_learner_minutes,
                },
            };
        }
    }
    if facts.edits < u64::from(gates.min_learner_edits) {
        return Verdict::Hold {
            until: now.plus_seconds(gates.recheck_after_seconds()),
            why: LearnerGate::TooFewEdits {
                edits: facts.edits,
                min: gates.min_learner_edits,
            },
        };
    }
    Verdict::Admit(Some(LearnerGate::Admitted {
        edits: facts.edits,
        registered: facts.registered,
    }))
}

/// The decision recorded for a request the gates skip: no mentor was looked for, so it names
/// the maintainer (`matchmade = 0`, as the original recorded a request nobody took) and says
/// why in its explanation; it takes no mentor's place.
pub fn skipped(
    settings: &MatcherConfig,
    revision: Option<u64>,
    request: &Request,
    pool: &MentorPool,
    skill: &str,
    gate: LearnerGate,
) -> Decision {
    let maintainer = pool.maintainer.clone().unwrap_or(User {
        name: String::new(),
        id: 0,
    });
    Decision {
        request: request.clone(),
        mentor: maintainer.clone(),
        mentor_profile: None,
        level: Level::Maintainer,
        mentor_skill: skill.to_owned(),
        explanation: Some(Explanation {
            seed: settings.seed,
            selection: settings.selection,
            load_days: settings.load_days,
            as_of: request.scanned_at,
            pool_taken_at: pool.taken_at,
            levels: Vec::new(),
            level: Level::Maintainer,
            chosen: maintainer,
            draw: None,
            settings: revision,
            learner_gate: Some(gate),
        }),
        step: None,
    }
}

/// The mentors the mentor gates pass over at `at`, and why. A mentor the pool has no edit
/// count for is not known to qualify, so is passed over; one with an edit count but no
/// registration has an account older than the wiki's record of registrations.
pub fn mentors_below(
    settings: &MatcherConfig,
    pool: &MentorPool,
    at: Timestamp,
) -> BTreeMap<u64, Reason> {
    let mut out = BTreeMap::new();
    if !settings.gates_mentors() {
        return out;
    }
    let listed = pool.by_category.values().flatten().chain(&pool.general);
    for mentor in listed {
        let id = mentor.user.id;
        let edits = pool.edit_counts.get(&id).copied();
        let registered = pool.registrations.get(&id).copied();
        let days = settings.min_mentor_days;
        let too_new = days > 0
            && match (edits, registered) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(_), Some(t)) => at < t.plus_seconds(i64::from(days) * 86_400),
            };
        if too_new {
            out.insert(id, Reason::TooNew { registered, days });
        } else if edits.unwrap_or(0) < u64::from(settings.min_mentor_edits) {
            out.insert(
                id,
                Reason::TooFewEdits {
                    edits: edits.unwrap_or(0),
                    min: settings.min_mentor_edits,
                },
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
