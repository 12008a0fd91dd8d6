//! The lifecycle rules: a pure function of a request's [`Checkup`] (what the scanner saw, with
//! the clock it saw it by), the mentor pool and the settings, saying what the match needs next.
//!
//! In order, the first that applies:
//! 1. The learner is blocked sitewide: the match closes quietly (never reassigned).
//! 2. The request is off the profile (or was put back later, a newer request): the match
//!    closes quietly, as graduated when mentor and learner had been in touch, else withdrawn.
//! 3. The learner has not edited for `learner_inactive_days` (adding the request counts): it
//!    closes quietly.
//! 4. An edit showing contact with the current mentor, not recorded yet: recorded.
//! 5. The current mentor left — opted out, blocked, in no mentor category, or no edit for
//!    `matcher.active_within_days` (away, with a date or without, is not leaving): a new mentor.
//! 6. The learner asked for a new mentor since this one was assigned, and their last such wish
//!    was granted at least `rematch_after_days` ago: a new mentor.
//! 7. The request waits with the maintainer: a new mentor if one is free (the caller drops
//!    the step when the draw finds nobody).
//! 8. No contact yet, and the mentor is not away: after `nudge_after_days` one nudge; after
//!    `rematch_after_days`, and at least the difference of the two after the nudge, a new
//!    mentor (never without a nudge first).
//!
//! A new mentor is never one the learner had for this request. Each step's id follows from
//! the history (`contact-<mentor>`, `nudge-<mentor>`, `reassign-<n>`, `close`), so a checkup
//! seen twice asks for the same step, and a step already recorded is not asked for again; a
//! reassignment away from a mentor that was recorded but did not reach the wiki is not tried
//! again for that pairing.

use matchbot_config::{LifecycleConfig, MatcherConfig};
use matchbot_model::{
    Action, Checkup, Closing, Decision, Departure, Event, EventKind, Level, MentorPool, Pairing,
    Request, RequestId, Step, Timestamp, User, Why, is_closed, pairing,
};

use crate::history::{History, Place};
use crate::policy::{Policy, PolicyError};

/// The settings the rules read, in seconds of the lifecycle's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// `lifecycle.nudge_after_days`, in days and seconds.
    pub nudge_after: (u32, i64),
    /// `lifecycle.rematch_after_days`, in days and seconds.
    pub rematch_after: (u32, i64),
    /// `lifecycle.learner_inactive_days`, in days and seconds.
    pub learner_inactive: (u32, i64),
    /// `matcher.active_within_days` (real days: the pool's last edits are real edits).
    pub mentor_active_within_days: Option<u32>,
}

impl Rules {
    /// The rules `lifecycle` and `matcher` describe.
    pub fn new(lifecycle: &LifecycleConfig, matcher: &MatcherConfig) -> Rules {
        let days = |d: u32| (d, lifecycle.seconds(d));
        Rules {
            nudge_after: days(lifecycle.nudge_after_days),
            rematch_after: days(lifecycle.rematch_after_days),
            learner_inactive: days(lifecycle.learner_inactive_days),
            mentor_active_within_days: matcher.active_within_days,
        }
    }
}

/// What a match needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Nothing yet.
    Nothing,
    /// This step, complete (a contact, a nudge, a close).
    Step(Step),
    /// A new mentor, drawn as a request is matched but never one of `former`.
    Reassign {
        /// The step's id.
        id: String,
        /// The clock.
        at: Timestamp,
        /// The current mentor.
        from: User,
        /// Why.
        why: Why,
        /// Every mentor the learner had for this request.
        former: Vec<User>,
    },
}

/// What the match of `request` needs next, given `checkup` and `pool`.
pub fn next(rules: &Rules, request: &Request, checkup: &Checkup, pool: &MentorPool) -> Next {
    let history = &checkup.history;
    let Some(now) = pairing(history) else {
        return Next::Nothing;
    };
    if is_closed(history) {
        return Next::Nothing;
    }
    let at = checkup.at;
    let step = |id: String, action: Action| Next::Step(Step { id, at, action });
    let close = |why: Closing| step("close".into(), Action::Close { why });
    if checkup.learner_blocked {
        return close(Closing::LearnerBlocked);
    }
    if checkup.request_added != Some(request.category_added) {
        let any_contact = history
            .iter()
            .any(|e| e.kind == EventKind::Contacted && e.took_effect());
        return close(if any_contact {
            Closing::Graduated
        } else {
            Closing::Withdrawn
        });
    }
    if learner_inactive(rules, request, checkup) {
        let days = rules.learner_inactive.0;
        return close(Closing::LearnerInactive { days });
    }
    let contacted = history
        .iter()
        .any(|e| e.kind == EventKind::Contacted && e.took_effect() && e.mentor.id == now.mentor.id);
    if !contacted
        && let Some(contact) = &checkup.contact
        && contact.at >= now.since
    {
        let id = format!("contact-{}", now.mentor.id);
        let contact = contact.clone();
        return step(id, Action::Contacted { contact });
    }
    let reassign = |why: Why| reassignment(history, &now, at, why);
    if now.level != Level::Maintainer
        && let Some(how) = departure(rules, &now.mentor, pool, at)
    {
        return reassign(Why::MentorLeft { how });
    }
    if let Some(asked) = checkup.wish
        && asked > now.since
        && last_wish_granted(history).is_none_or(|t| t.unix() + rules.rematch_after.1 <= at.unix())
    {
        return reassign(Why::Wish { asked });
    }
    if now.level == Level::Maintainer {
        return reassign(Why::PickedUp);
    }
    let away = pool
        .away
        .iter()
        .any(|a| a.mentor.user.id == now.mentor.id && a.is_away_at(at));
    if contacted || away {
        return Next::Nothing;
    }
    let silent = at.unix() - now.since.unix();
    let nudge = format!("nudge-{}", now.mentor.id);
    let Some(nudged) = history.iter().find(|e| e.step == nudge) else {
        if silent >= rules.nudge_after.1 {
            let silent_since = now.since;
            return step(nudge, Action::Nudge { silent_since });
        }
        return Next::Nothing;
    };
    // The nudged mentor has as long after the nudge as the nudge came after the greeting
    // would have left them, however late the nudge went out.
    let grace = rules.rematch_after.1 - rules.nudge_after.1;
    if silent >= rules.rematch_after.1 && at.unix() >= nudged.at.unix() + grace {
        let days = rules.rematch_after.0;
        return reassign(Why::Silent { days });
    }
    Next::Nothing
}

/// The step the checkup of `request` calls for, as a decision for the notifier (or, for a
/// quiet step, the recorder); `None` when nothing is due, or a waiting request finds nobody
/// free. A reassignment decided before (in `history`, under [`step_key`]) is decided the same.
pub fn decide(
    policy: &Policy,
    rules: &Rules,
    request: &Request,
    checkup: &Checkup,
    pool: &MentorPool,
    history: &History,
) -> Result<Option<Decision>, PolicyError> {
    let mut request = request.clone();
    request.checkup = None;
    let skill = policy.skill_name(&request)?;
    match next(rules, &request, checkup, pool) {
        Next::Nothing => Ok(None),
        Next::Step(step) => {
            let Some(now) = pairing(&checkup.history) else {
                return Ok(None);
            };
            Ok(Some(Decision {
                mentor_profile: None,
                mentor: now.mentor,
                level: now.level,
                mentor_skill: skill.to_owned(),
                explanation: None,
                request,
                step: Some(step),
            }))
        }
        Next::Reassign {
            id,
            at,
            from,
            why,
            former,
        } => {
            let key = step_key(&request.request_id, &id);
            let earlier = history.decided(&key).filter(|d| {
                d.request.request_id == request.request_id
                    && d.request.learner == request.learner
                    && !former.iter().any(|f| f.id == d.mentor.id)
            });
            let mut decision = match earlier {
                Some(earlier) => earlier.clone(),
                None => {
                    // Availability is judged now, not when the request was first found.
                    let mut now = request.clone();
                    now.scanned_at = at;
                    let mut decision = policy.reassign(&now, pool, history, &former, &id)?;
                    decision.request = request;
                    decision
                }
            };
            if why == Why::PickedUp && !decision.matchmade() {
                return Ok(None);
            }
            let action = Action::Reassign { from, why };
            decision.step = Some(Step { id, at, action });
            Ok(Some(decision))
        }
    }
}

/// Notes the step `decision` in `history`, for the requests after it in the same batch.
pub fn note(history: &mut History, decision: &Decision) {
    let Some(step) = &decision.step else {
        return;
    };
    let id = &decision.request.request_id;
    match &step.action {
        Action::Reassign { from, .. } => {
            history.remove_load(from.id, id);
            if decision.matchmade() {
                history.add_load(decision.mentor.id, Place::of(&decision.request));
            }
            history.add_decision_under(step_key(id, &step.id), decision.clone());
        }
        Action::Close { .. } => history.remove_load(decision.mentor.id, id),
        Action::Contacted { .. } | Action::Nudge { .. } => {}
    }
}

/// The ledger's name for step `step` of request `id`: the decision it got is kept under it.
pub fn step_key(id: &RequestId, step: &str) -> RequestId {
    RequestId::from_stored(format!("{id}/{step}"))
}

/// True when the learner's last edit seen (or the request itself, an edit too) is older than
/// `learner_inactive_days`, and their edits were read far enough back to know.
fn learner_inactive(rules: &Rules, request: &Request, checkup: &Checkup) -> bool {
    let cutoff = checkup.at.plus_seconds(-rules.learner_inactive.1);
    let last = checkup
        .learner_last_edit
        .map_or(request.category_added, |t| t.max(request.category_added));
    checkup.edits_read_since.is_some_and(|read| read <= cutoff) && last < cutoff
}

/// How `mentor` left the pool, if they did.
fn departure(rules: &Rules, mentor: &User, pool: &MentorPool, at: Timestamp) -> Option<Departure> {
    if pool.blocked.iter().any(|u| u.id == mentor.id) {
        return Some(Departure::Blocked);
    }
    if pool.opted_out.iter().any(|m| m.user.id == mentor.id) {
        return Some(Departure::OptedOut);
    }
    let listed = pool
        .by_category
        .values()
        .flatten()
        .chain(&pool.general)
        .any(|m| m.user.id == mentor.id);
    let away = pool.away.iter().any(|a| a.mentor.user.id == mentor.id);
    if !listed && !away {
        return Some(Departure::NotListed);
    }
    let days = rules.mentor_active_within_days?;
    let last_edit = *pool.last_edits.get(&mentor.id)?;
    (last_edit < at.plus_seconds(-i64::from(days) * 86_400))
        .then_some(Departure::Inactive { last_edit, days })
}

/// When the learner's last wish for a new mentor was granted.
fn last_wish_granted(history: &[Event]) -> Option<Timestamp> {
    history
        .iter()
        .filter(|e| e.kind == EventKind::Reassigned && e.reason.as_deref() == Some("wish"))
        .map(|e| e.at)
        .max()
}

/// A new mentor for the pairing `now`, unless a reassignment away from it was recorded and did
/// not reach the wiki: that is not tried again.
fn reassignment(history: &[Event], now: &Pairing, at: Timestamp, why: Why) -> Next {
    let tried = history.iter().any(|e| {
        e.kind == EventKind::Reassigned
            && !e.took_effect()
            && e.at >= now.since
            && e.from.as_ref().is_some_and(|f| f.id == now.mentor.id)
    });
    if tried {
        return Next::Nothing;
    }
    let done = history
        .iter()
        .filter(|e| e.kind == EventKind::Reassigned)
        .count();
    let mut former: Vec<User> = history
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Greeted | EventKind::Reassigned))
        .map(|e| e.mentor.clone())
        .chain(std::iter::once(now.mentor.clone()))
        .collect();
    former.sort();
    former.dedup();
    Next::Reassign {
        id: format!("reassign-{}", done + 1),
        at,
        from: now.mentor.clone(),
        why,
        former,
    }
}
