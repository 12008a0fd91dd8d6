//! MatchBot's wire format: what travels on the streams between the workers and sits in rows.
//!
//! # Brief overview
//!
//! A learner's [`Request`] goes from the scanner to the matcher, the matcher's [`Decision`]
//! (with its [`Explanation`]) to the notifier, and the notifier's [`Outcome`] to the recorder,
//! which stores it as a row of `matches`. Each is keyed by a stable [`RequestId`]. Beside the
//! streams, the scanner writes the [`MentorPool`] that the matcher reads.
//!
//! Every type here is serialised as JSON, so its field names are part of the format: a stream
//! exported last month, a replayed fixture or a row's `explanation` column must still read. The
//! rule is that the format only grows: a field is never renamed or removed, and a field added
//! later is optional, read as its default when an older entry lacks it.
//!
//! # Versions
//!
//! The format has no version number of its own; it is the first form plus these additions, each
//! of which an older entry simply lacks:
//!
//! | type | added | an older entry reads as |
//! |---|---|---|
//! | [`OutcomeKind::Posted`] | `postid` (a Flow board's post) | `None` |
//! | [`Decision`] | `explanation` | `None`: `matchbot explain` says it predates explanations |
//! | [`MentorPool`] | `blocked` | nobody blocked |
//! | [`MentorPool`] | `away` | nobody away |
//! | [`MentorPool`] | `last_edits` | no last edits (activity is not judged) |
//! | [`MentorPool`] | `own_settings` (the mentor template) | nobody set anything |
//! | [`MentorPool`] | `do_not_contact` | nobody on the do-not-contact list |
//! | [`Request`] | `checkup` (the request again, after its greeting) | a new request |
//! | [`Decision`] | `step` (a nudge, a reassignment, …) | a greeting |
//! | [`OutcomeKind`] | `noted` (a step with nothing to post) | — |
//! | [`Request`] | `settings` (the settings page's revision in use) | the file's settings |
//! | [`Explanation`] | `settings` (the revision the decision was made under) | the file's settings |
//! | [`Request`] | `learner_facts` (the learner's account, for the gates) | no facts: no gate judged |
//! | [`MentorPool`] | `edit_counts`, `registrations` (for the mentor gates) | none known |
//! | [`Explanation`] | `learner_gate` (what the gates on learners found) | no gate judged |
//!
//! The tests of each module read the oldest forms back.
//!
//! # Layout
//!
//! - `timestamp`: time as MediaWiki writes it.
//! - `people`: wiki accounts, their pages, mentors.
//! - `request`: a learner's request and its id.
//! - `pool`: the mentor pool.
//! - `level`: the fallback levels and how a mentor is drawn.
//! - `explanation`: why a decision went the way it did.
//! - `decision`: the matcher's choice.
//! - `outcome`: what happened on the wiki.
//! - `settings`: the on-wiki settings page, valid or refused, as the scanner hands it on.
//! - `lifecycle`: a match's life after its greeting: checkups, steps, recorded events.
//! - `error_log`: problems for the on-wiki error log.
#![deny(missing_docs)]

mod decision;
mod error_log;
mod explanation;
mod level;
mod lifecycle;
mod outcome;
mod people;
mod pool;
mod request;
mod settings;
mod timestamp;

/// The programme of a configuration of one wiki, which every record from before programmes
/// belongs to.
pub const DEFAULT_PROGRAMME: &str = "default";

pub use decision::Decision;
pub use error_log::{ErrorKind, ErrorLogEntry, MAX_MESSAGE_CHARS, MAX_SUBJECT_CHARS};
pub use explanation::{Candidate, Excluded, Explanation, LearnerGate, LevelReport, Reason};
pub use level::{Level, Selection};
pub use lifecycle::{
    Action, Checkup, Closing, Contact, Departure, Event, EventKind, Pairing, Step, Why, is_closed,
    pairing,
};
pub use outcome::{Outcome, OutcomeKind};
pub use people::{AccountFacts, Mentor, PageRef, User};
pub use pool::{Away, MentorPool, OwnSettings};
pub use request::{Request, RequestId};
pub use settings::{RefusedSettings, SettingsRevision};
pub use timestamp::Timestamp;
