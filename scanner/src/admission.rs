//! Which new requests a learner may make (pure: no I/O, the times come in with the requests).
//!
//! Two limits keep one account from flooding the mentors:
//! - a cooldown per learner and request category: a second request of the same learner for
//!   the same category within `scanner.request_cooldown_seconds` of another (by when the
//!   category was added) is no request at all, however often the category is taken off and
//!   put back, and on however many profiles;
//! - a cap on open requests per learner: a learner with `scanner.max_open_requests` requests
//!   handed out and not yet recorded in `matches` gets no more until one is handled; the one
//!   held back is found again by a later reconcile.
//!
//! A request handed out before (the same id) is always let through: handing it out again is
//! the reconcile recovering what was lost, not a new request.

use std::collections::BTreeMap;

use matchbot_model::{Request, RequestId};

/// The limits, from the `scanner` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Two requests of one learner for one category this close (seconds) are one request.
    pub cooldown_seconds: i64,
    /// The most requests of one learner handed out and not yet handled.
    pub max_open: usize,
}

/// A request of the learner's handed out before, as the scanner remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    /// Its id.
    pub request_id: RequestId,
    /// Its request category.
    pub category: String,
    /// When its category was added, in Unix seconds.
    pub added: i64,
    /// True while `matches` has no row for it.
    pub open: bool,
}

/// What becomes of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Handed out.
    Admitted,
    /// No request: the learner asked for the same category within the cooldown.
    Cooldown {
        /// The request it is too close to.
        of: RequestId,
    },
    /// Held back for now: the learner has this many open requests.
    TooManyOpen {
        /// How many are open.
        open: usize,
    },
}

/// The verdict on each of `requests` (in request order), given what each learner asked for
/// before (`earlier`, by [`learner_key`]). The requests admitted count for the ones after them.
pub fn admit(
    requests: &[Request],
    earlier: &BTreeMap<String, Vec<Earlier>>,
    limits: Limits,
) -> Vec<Verdict> {
    let mut known = earlier.clone();
    let mut order: Vec<&Request> = requests.iter().collect();
    order.sort_by(|a, b| a.order().cmp(&b.order()));
    let mut verdicts: BTreeMap<&RequestId, Verdict> = BTreeMap::new();
    for request in order {
        let before = known.entry(learner_key(request)).or_default();
        let verdict = verdict(request, before, limits);
        if verdict == Verdict::Admitted
            && !before.iter().any(|e| e.request_id == request.request_id)
        {
            before.push(Earlier {
                request_id: request.request_id.clone(),
                category: request.category.clone(),
                added: request.category_added.unix(),
                open: true,
            });
        }
        verdicts.insert(&request.request_id, verdict);
    }
    requests
        .iter()
        .map(|r| {
            verdicts
                .get(&r.request_id)
                .cloned()
                .unwrap_or(Verdict::Admitted)
        })
        .collect()
}

fn verdict(request: &Request, before: &[Earlier], limits: Limits) -> Verdict {
    if before.iter().any(|e| e.request_id == request.request_id) {
        return Verdict::Admitted;
    }
    let added = request.category_added.unix();
    if let Some(close) = before.iter().find(|e| {
        e.category == request.category && (added - e.added).abs() < limits.cooldown_seconds
    }) {
        return Verdict::Cooldown {
            of: close.request_id.clone(),
        };
    }
    let open = before.iter().filter(|e| e.open).count();
    if open >= limits.max_open {
        return Verdict::TooManyOpen { open };
    }
    Verdict::Admitted
}

/// What names a learner in the scanner's memory: the user id; an IP editor (id 0) by name.
pub fn learner_key(request: &Request) -> String {
    match request.learner.id {
        0 => format!("name:{}", request.learner.name),
        id => id.to_string(),
    }
}

#[cfg(test)]
mod tests;
