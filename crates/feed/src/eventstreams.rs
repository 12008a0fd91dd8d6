//! Wikimedia's EventStreams: server-sent events (stream `recentchange`), read with a bounded
//! incremental parser.
//!
//! - `parser`: server-sent events from bytes split anywhere ([`Parser`], [`Event`]).

mod parser;

pub use parser::{Event, Parser};
