//! MatchBot's notifier: greets each learner on their profile's talk page, naming their mentor.
//!
//! # Brief overview
//!
//! For each decision, [`run`] waits while the run page (the kill switch) does not say `true`,
//! finds the talk page (`pages.main` prefix replaced by `pages.talk`) and reads it (for up to
//! 25 decisions in one API request when nothing waits between their edits, see
//! [`decisions_per_read`]), together with the profile's request category. Then the [`plan`]
//! decides, with no I/O of its own, in one sequence for wikitext pages and Flow boards alike:
//! - the request's marker already there, added by one of the bot's own latest revisions: the
//!   greeting was posted before (a crash between edit and ack, a replay), recorded as posted,
//!   with that revision (a marker anyone else wrote counts for nothing);
//! - the learner took the request category off their profile since, or took it off and put it
//!   back (a newer request, which the scanner finds on its own): skipped, since nobody is
//!   greeted for a request they withdrew;
//! - the learner is on the do-not-contact list (`do_not_contact.page`, read in the same API
//!   request as the talk page): skipped, naming the list;
//! - `{{bots}}`/`{{nobots}}` exclude MatchBot: skipped, with the reason;
//! - otherwise the greeting: a new topic on a Flow board, else a new section appended with
//!   `appendtext` (never a whole-page rewrite; a missing talk page is created, as a Flow board
//!   when `notifier.missing_talk_page` says so and the wiki has Flow).
//!
//! The outcome is emitted and the decision acked in one MULTI/EXEC, as soon as the edit is
//! saved; outcomes that changed nothing on the wiki (dry runs, skips, greetings found already
//! posted) go out together at the end of their batch. Errors about one page (protected,
//! blocked, …) become a failed outcome carrying the API's code; an outage of the wiki
//! (unreachable, 5xx, lag) is waited out and the decision tried again, which the marker check
//! makes safe; any other error about the bot stops the worker with the decision still pending.
//!
//! Every edit goes through the client's etiquette: at least `notifier.edit_interval_seconds`
//! apart, and within the `--max-edits` budget of a trial; when the budget is used up the
//! notifier stops before reading another decision, so the rest wait in the stream.
//! `--dry-run` does everything but the edit and records the text it would have posted.
//!
//! # Layout
//!
//! - `greeting`: the text and the marker; `step_text`: a nudge's or a new mentor's text; `names`: what a name may hold before it is rendered.
//! - `plan`: the checks a greeting goes through, as a pure function of what was read.
//! - `greet`: one decision carried out on the wiki: the reads its plan asks for, the edit, the
//!   outcome.
//! - `reads`: reading a batch's talk pages together; `trial`: a run with a budget, or none.
//! - `worker`: the loop, and what it runs on ([`Deps`]).
//! - `error_log`: the on-wiki error log: the entries outcomes call for, publishing the page at
//!   its interval through the edit gate; `error_table`: the page's text, hostile text escaped.
//! - `error`: what stops the notifier, or makes it wait.

mod account;
mod error;
mod error_log;
mod error_table;
mod greet;
pub mod greeting;
mod names;
pub mod plan;
mod reads;
mod step_text;
mod trial;
mod worker;

pub use error::NotifierError;
pub use error_log::ERRORS_MESSAGE;
pub use error_table::render_error_table;
pub use greet::{REFUSED_NAME, greet, greet_unless_listed};
pub use greeting::{Greeting, marker, render_flow_greeting, render_greeting};
pub use plan::MESSAGE_TYPE;
pub use reads::decisions_per_read;
pub use trial::Trial;
pub use worker::{Deps, Summary, run};
