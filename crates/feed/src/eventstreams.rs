//! The EventStreams client: Wikimedia's server-sent events (stream `recentchange`), read with a
//! bounded incremental parser and resumed after a disconnect from the last event id
//! (`Last-Event-ID`), so nothing falls in the gap.
//!
//! - `parser`: server-sent events from bytes split anywhere ([`Parser`], [`Event`]).
//! - `client`: connecting, filtering, handing on and reconnecting ([`listen`], [`Stream`]; the
//!   hub hears unfiltered through the same loop).

mod client;
mod parser;

pub use client::{Error, Stream, listen};
pub(crate) use client::{Sink, follow};
pub use parser::{Event, Parser};
