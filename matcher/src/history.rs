//! Who got which learner: the matcher's memory, as plain data.
//!
//! Read from Redis (see `ledger`) before a batch is decided and added to as it is decided, it
//! gives the policy two things: each mentor's load, and the mentors a learner already has.
//!
//! It also holds the decisions emitted before (see [`History::decided`]): a request decided
//! again (a replayed stream, a reconcile handing it out again) gets the decision it got, while
//! that mentor is still listed, although loads have changed since as greetings were posted or
//! not (see `ledger`).
//!
//! The mentors a learner already has count only requests *before* the one being decided, in
//! request order (by the time the category was added, then by request id), and a mentor's load
//! counts every assignment in the request's window, before it or after: what the mentor holds
//! now, whichever matcher replica decided it. A request decided again (a replayed stream, a
//! redelivery) gets the decision it got, from [`History::decided`], whatever changed since; the
//! scanner emits requests in request order and each batch is decided in it, so a replay of a
//! stream into an empty ledger decides as the first run did.

use std::collections::BTreeMap;

use matchbot_model::{Decision, Request, RequestId};

/// A request's place in request order ([`Request::order`]), in the form the ledger stores.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// When the category was added, in Unix seconds.
    pub added: i64,
    /// The request id, breaking ties.
    pub request_id: RequestId,
}

impl Place {
    /// The place of `request`.
    pub fn of(request: &Request) -> Place {
        Place {
            added: request.category_added.unix(),
            request_id: request.request_id.clone(),
        }
    }
}

/// One learner given to one mentor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The request's place.
    pub place: Place,
    /// The mentor's user id.
    pub mentor: u64,
    /// The request category.
    pub category: String,
}

/// The assignments the policy may look at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// By mentor user id.
    by_mentor: BTreeMap<u64, Vec<Place>>,
    /// By mentor user id: assignments known only by their number, each in the load window of
    /// every request being decided and before all of them (see [`History::add_steady_load`]).
    steady: BTreeMap<u64, u32>,
    /// By learner profile id.
    by_profile: BTreeMap<u64, Vec<Assignment>>,
    /// The decisions emitted before, by request id: a request decided again gets the same.
    decided: BTreeMap<RequestId, Decision>,
}

impl History {
    /// An empty history: nobody has any learner.
    pub fn new() -> History {
        History::default()
    }

    /// Notes that `mentor` got the request at `place` (idempotent).
    pub fn add_load(&mut self, mentor: u64, place: Place) {
        let places = self.by_mentor.entry(mentor).or_default();
        if !places.contains(&place) {
            places.push(place);
        }
    }

    /// Notes that `mentor` got `count` learners whose places are known to be inside the load
    /// window of every request about to be decided: their places need not be read, only
    /// counted. Not idempotent: call it once per mentor.
    pub fn add_steady_load(&mut self, mentor: u64, count: u32) {
        *self.steady.entry(mentor).or_default() += count;
    }

    /// Notes that the learner of profile `profile` got `assignment` (idempotent).
    pub fn add_learner(&mut self, profile: u64, assignment: Assignment) {
        let assignments = self.by_profile.entry(profile).or_default();
        if !assignments.iter().any(|a| a.place == assignment.place) {
            assignments.push(assignment);
        }
    }

    /// Notes that `decision` was emitted for its request before.
    pub fn add_decision(&mut self, decision: Decision) {
        self.decided
            .insert(decision.request.request_id.clone(), decision);
    }

    /// Notes that `decision` was emitted before under `id` (a step of a match's life is kept
    /// under its own id, see `lifecycle::step_key`).
    pub fn add_decision_under(&mut self, id: RequestId, decision: Decision) {
        self.decided.insert(id, decision);
    }

    /// Notes that `mentor` no longer has the learner of request `id` (a reassignment, a match
    /// closed).
    pub fn remove_load(&mut self, mentor: u64, id: &RequestId) {
        if let Some(places) = self.by_mentor.get_mut(&mentor) {
            places.retain(|p| &p.request_id != id);
        }
        // One only counted (see `add_steady_load`) stays counted until the next batch reads
        // the ledger again: a cap judged a little strictly for the rest of this batch.
    }

    /// The decision emitted before for request `id`, if the history holds it.
    pub fn decided(&self, id: &RequestId) -> Option<&Decision> {
        self.decided.get(id)
    }

    /// Notes a decision just made; the maintainer's fallbacks are not a mentor's load.
    pub fn record(&mut self, decision: &Decision) {
        self.add_decision(decision.clone());
        if !decision.matchmade() {
            return;
        }
        let place = Place::of(&decision.request);
        self.add_load(decision.mentor.id, place.clone());
        self.add_learner(
            decision.request.profile.id,
            Assignment {
                place,
                mentor: decision.mentor.id,
                category: decision.request.category.clone(),
            },
        );
    }

    /// How many learners `mentor` got for requests made from `days` before `request` on, other
    /// than `request` itself: all the mentor holds in that window now, whichever replica
    /// decided it and in whatever order, so that a cap holds however the requests were shared
    /// out among matchers.
    pub fn load(&self, mentor: u64, request: &Request, days: u32) -> u32 {
        let place = Place::of(request);
        let from = place.added - i64::from(days) * 86_400;
        let count = self.by_mentor.get(&mentor).map_or(0, |places| {
            places
                .iter()
                .filter(|p| p.added > from && p.request_id != place.request_id)
                .count()
        });
        let steady = self.steady.get(&mentor).copied().unwrap_or(0);
        u32::try_from(count)
            .unwrap_or(u32::MAX)
            .saturating_add(steady)
    }

    /// The mentors the learner of `request` got for their requests before it, with the category.
    pub fn mentors_of_learner(&self, request: &Request) -> Vec<(u64, &str)> {
        let place = Place::of(request);
        self.by_profile
            .get(&request.profile.id)
            .into_iter()
            .flatten()
            .filter(|a| a.place < place && a.place.request_id != request.request_id)
            .map(|a| (a.mentor, a.category.as_str()))
            .collect()
    }
}
