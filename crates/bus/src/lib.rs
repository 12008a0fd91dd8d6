//! The Redis-stream bus between MatchBot's workers.
//!
//! # Brief overview
//!
//! A [`Bus`] is one Redis connection, the prefix every key name is derived from, and the
//! [`Signing`] keys. Toolforge's Redis is shared and password-less, so anyone can read and write
//! it: every entry and the mentor pool are signed (HMAC-SHA256 over the value and where it
//! belongs), a reader refuses what does not verify, and key names reveal neither the prefix nor
//! what they hold. The streams between the stages are typed [`Topic`]s: [`REQUESTS`], [`DECISIONS`],
//! [`OUTCOMES`]. Producers build a [`Commit`] and [`Bus::commit`] it; a stage reads with a
//! [`Consumer`] of its topic, and every entry it is handed must end in the same [`Commit`] that
//! emits its result downstream: the emit and the ack are one MULTI/EXEC, so an entry is never
//! both acknowledged and lost, nor emitted twice by one successful commit.
//!
//! Delivery is at least once. A consumer reads its own pending entries before new ones, takes over
//! entries a stopped consumer left pending (XAUTOCLAIM, after [`Redelivery::claim_idle`]), and
//! moves to the dead-letter stream, with its stage, reason, delivery count and payload, every
//! entry that does not verify (unsigned, forged, copied from another stream), cannot be parsed
//! (bad JSON, missing fields, a body trimmed away) or was handed out more than
//! [`Redelivery::max_deliveries`] times: a poison entry never crash-loops a worker, and a forged
//! one has no effect.
//!
//! Streams are never capped by length, which would drop a long backlog unread: each consumer
//! trims from its stream what every group reading it has handled, once it is older than the
//! bus's `keep_handled`. Only the dead-letter stream is capped, and the error log's (`error_log`),
//! which nobody reads to the end.
//!
//! Beside the streams the bus keeps the [`MentorPool`](matchbot_model::MentorPool) and plain
//! keys for each worker's own state (`store`), so no worker talks to Redis itself.
//!
//! [`BusError::is_transient`] tells an outage (Redis restarting, unreachable, loading its data)
//! from a refusal; the workers wait out the first and stop on the second.
//!
//! # Layout
//!
//! - `bus`: the connection, its settings, running a commit; `keys` and `signing`: key names
//!   and signatures; `error`: what can go wrong, and which of it is an outage.
//! - `stream`: the stream names, the fields of an entry, adding one; `topic`: streams typed by
//!   their payload and reading stage.
//! - `commit`: emits, acks and state writes that land together or not at all; `dedicated`:
//!   transactions that watch keys, on connections of their own (a deadpool-redis pool);
//!   `lease`: the one replica that may act, and the fence on its writes.
//! - `consumer`: reading a stage's entries (its own pending ones first); `group`: a consumer's
//!   place in its group; `upkeep`: what a consumer does between reads (its roll, taking over,
//!   trimming); `hold`: keeping entries in work from being taken over, and handing back what
//!   was read but not acted on; `dead_letter`: giving up on an entry; `fields`: reading what
//!   Redis returns.
//! - `pool`: the mentor pool and the scanner's cursor; `settings`: the on-wiki settings page,
//!   as the scanner hands it on; `signed`: values written whole and signed; `edits`: the bot account's edits of the
//!   day; `etiquette`: its edit slot, trial budget and kill-switch reading, shared by every
//!   notifier; `store`: each worker's own keys; `time`: milliseconds as Redis takes them.
//! - `export`: a stream's entries as JSON lines, and back (`matchbot stream export|replay`).
//! - `trace`: the spans that carry one trace per request through the streams.
//! - `error_log`: the stream of problems for the on-wiki error log (a dead letter adds one),
//!   and its publisher's turn.
//! - `inspect` and `dlq`: what `matchbot status` and `matchbot dlq` read and change.
#![deny(missing_docs)]

mod bus;
mod commit;
mod consumer;
mod dead_letter;
mod dedicated;
mod dlq;
mod edits;
mod error;
mod error_log;
mod etiquette;
mod export;
mod fields;
mod group;
mod hold;
mod inspect;
mod keys;
mod lease;
mod pool;
mod settings;
mod signed;
mod signing;
mod store;
mod stream;
mod time;
mod topic;
mod trace;
mod upkeep;

pub use bus::{Bus, Redelivery};
pub use commit::Commit;
pub use consumer::{Consumer, Delivery};
pub use dedicated::Watch;
pub use dlq::{DeadLetter, RetryError, RetryRefused};
pub use error::BusError;
pub use error_log::LoggedError;
pub use etiquette::{EditSlot, RunPageReading};
pub use export::ExportedEntry;
pub use fields::trace_id;
pub use hold::Hold;
pub use inspect::{ConsumerStatus, GroupStatus, StreamStatus};
pub use lease::{Lease, LeaseStatus, SCANNER_LEASE};
pub use pool::{HELD_REQUESTS, MENTOR_POOL, SCANNER_CURSOR};
pub use settings::{REFUSED_SETTINGS, SETTINGS};
pub use signing::{Signing, key_name, key_namespace};
pub use store::{Answers, Bound, Reads, Slot};
pub use stream::Stream;
pub use topic::{DECISIONS, OUTCOMES, REQUESTS, Topic};
pub use trace::{PROGRAMME_FIELD, TRACE_ID_FIELD, request_span};
