//! MatchBot's matcher: reads requests, picks a mentor for each, emits decisions.
//!
//! # Brief overview
//!
//! [`run`] reads the requests stream in batches. For each batch it reads the mentor pool the
//! scanner last wrote and the [`History`] of earlier assignments (the `ledger`, in Redis) once,
//! decides each request in request order with the pure [`Policy`], and then emits the
//! decisions, adds them to the ledger and acks the requests in one MULTI/EXEC. That commit
//! watches the ledger keys the batch read (every listed mentor's load, the batch's learners):
//! when another matcher replica changed one of them meanwhile it does not run, and the batch is
//! decided again, so a mentor's cap holds however many matchers run. A request the policy
//! cannot decide (a category no longer configured) goes to the dead-letter stream.
//!
//! # Layout
//!
//! - `policy`: the pure matching policy (no I/O), deterministic given a seed.
//! - `draw`: one candidate drawn by weight, reproducibly.
//! - `gates`: who may be matched at all: learners skipped or held, mentors below the gates
//!   (pure, the clock in the request).
//! - `lifecycle`: the pure rules for a match after its greeting: contact, nudge, new
//!   mentor, close.
//! - `history`: earlier assignments as plain data (loads, a learner's mentors).
//! - `ledger`: the history's keys in Redis.
//! - `worker`: the loop, and what it runs on ([`Deps`]).
//! - `error`: what stops the matcher, or makes it wait.

mod draw;
mod error;
pub mod gates;
pub mod history;
pub mod ledger;
pub mod lifecycle;
pub mod policy;
mod worker;

pub use error::MatcherError;
pub use history::{History, Place};
pub use policy::{Policy, PolicyError};
pub use worker::{Deps, Summary, run};
