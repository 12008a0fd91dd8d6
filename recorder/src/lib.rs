//! MatchBot's recorder: writes each outcome to the `matches` table.
//!
//! # Brief overview
//!
//! [`run`] reads outcomes in batches of [`BATCH`], writes each batch as one multi-row insert,
//! and only when that has committed acks the whole batch in one Redis transaction. A crash in
//! between re-delivers the batch, and the unique `request_id` turns the second insert into no
//! change; a dry run's row is the one row a later real outcome replaces.
//!
//! # Layout
//!
//! - `worker`: the loop, and what it runs on ([`Deps`]).
//! - `error`: what stops the recorder, or makes it wait.

mod error;
mod worker;

pub use error::RecorderError;
pub use worker::{BATCH, Deps, Summary, run};
