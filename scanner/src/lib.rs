//! MatchBot's scanner: finds new requests on the wiki and keeps the mentor pool.
//!
//! # Brief overview
//!
//! The bot watches its request, mentor, general and opt-out categories. Every
//! `scanner.poll_seconds` the scanner asks the wiki for the category changes on its watchlist
//! since its cursor, less an overlap window for changes the wiki notes late: one API request
//! when nothing happened. A change names a page and a category but not whether the page went in
//! or out (that is only in the localised comment), so the pages changed are looked up
//! (`prop=categories`, 50 pages a request), and the creator of each profile among them, once
//! in its lifetime; a page outside `pages.main` costs nothing more. A profile
//! now in a request category it was just put in is a new request; a profile that joined or
//! left a mentor or opt-out category updates the pool.
//!
//! At start and every `scanner.reconcile_seconds` the scanner reconciles, as the DYK tools do:
//! it lists every request category in full and hands out each request since the floor that is
//! neither already handed out nor recorded in `matches` (the original MatchBot's rows count),
//! reads the mentor pool in full with the mentors' blocks, and puts back on the watchlist any
//! of its categories that fell off. So a change the watchlist never showed (the wiki's job queue
//! lost it, Redis lost the cursor) is found at the next reconcile at the latest.
//!
//! The requests, the pool, the ids seen and the new cursor are written in one MULTI/EXEC: the
//! cursor never moves past a request that is not on the stream, so a crash loses nothing (the
//! original advanced its cursor first and lost learners: its defect 1 in docs/ARCHITECTURE.md),
//! and the ids seen mean the overlap never hands out a request twice (its defect 2).
//!
//! Any number of replicas may run; the one holding the scanner lease scans and the others
//! stand by, one of them taking over within seconds of its death (`leadership`). Every commit
//! is fenced by the lease, so a holder paused past it writes nothing when it wakes.
//!
//! With a `lifecycle` section, every `lifecycle.check_seconds` the scanner also checks up on
//! the open matches recorded in `match_events`: it reads who edited whose talk page since each
//! mentor was assigned, whether the learners still edit, are blocked, still make their request
//! or ask for a new mentor, and sends each request to the matcher again with that checkup; the
//! matcher decides what the match needs (see `matchbot_matcher::lifecycle`).
//!
//! A request withdrawn before its greeting (the category taken off the profile again) is not
//! retracted here: the notifier reads the profile's categories in the same request as the talk
//! page, right before it would post, and skips it.
//!
//! # Layout
//!
//! - `requests`: which request links are new requests (pure: no I/O), for polls and reconciles
//!   alike.
//! - `admission`: which new requests a learner may make: the cooldown per learner and
//!   category, the cap on open requests (pure: no I/O); `learners`: its memory in Redis.
//! - `scan`: one poll, its reads and the commits it ends in; `reconcile`: one reconcile.
//! - `checkups`: one check of the open matches, its reads and its commit; `followup`: what
//!   it saw, as a checkup per match (pure: no I/O).
//! - `settings`: the on-wiki settings page: read when it changes, checked, handed on.
//! - `facts`: the learners' accounts (blocked, registered, edits), read as their requests are
//!   handed out, for the matcher's gates; `held`: requests a gate holds, handed out again
//!   when their time comes.
//! - `creators`: profile page → creator, remembered.
//! - `mentor_settings`: what mentors set for themselves with the mentor template (pure).
//! - `pool`: the mentor pool, read in full or updated from one page's changes.
//! - `state`: what the scanner keeps in Redis between polls and restarts.
//! - `push`: a feed of the wiki's changes (`scanner.push`) waking the poll, and the
//!   heartbeat poll between.
//! - `leadership`: the scanner lease: which replica scans, while the others stand by.
//! - `worker`: the loop, and what it runs on ([`Deps`]).
//! - `error`: what stops the scanner, or makes it wait.

pub mod admission;
mod checkups;
mod creators;
mod error;
mod facts;
mod followup;
mod held;
mod leadership;
mod learners;
mod mentor_settings;
mod pool;
mod push;
mod reconcile;
pub mod requests;
mod scan;
mod settings;
mod state;
mod worker;

pub use creators::CREATORS_IN_MEMORY;
pub use error::ScanError;
pub use leadership::LEASE;
pub use scan::CHANGES_PER_COMMIT;
pub use worker::{Deps, Options, Summary, run};
