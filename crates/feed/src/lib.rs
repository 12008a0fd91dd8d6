//! Changes the wiki pushes instead of being asked for: Wikimedia's EventStreams (server-sent
//! events, stream `recentchange`) and a self-hosted MediaWiki's `$wgRCFeeds` (core's
//! `UDPRCFeedEngine` with the JSON formatter).
//!
//! # Brief overview
//!
//! A feed is a wake-up, never the record: each [`Change`] it hears that a [`Filter`] keeps
//! (a page put in or taken out of one of the Co-op's categories, an edit of a page the scanner
//! watches) is handed to the scanner, which polls its watchlist at once and acts on what the
//! wiki's API says, as it always does. So a forged or lost event changes nothing that matters:
//! a forged one costs one poll, a lost one waits for the next heartbeat poll or reconcile.
//! Everything a feed sends is untrusted and bounded (see each module's limits).
//!
//! # Layout
//!
//! - `change`: one recentchange event, as both feeds write it (their documented fields).
//! - `filter`: which changes concern the scanner.
//! - `eventstreams`: the EventStreams client: reading server-sent events, resuming after a
//!   disconnect from the last event id.
//! - `rcfeed`: a MediaWiki's RCFeed, heard over UDP.
//! - `hub`: one listener per feed for a process hearing for many programmes, each change
//!   handed to the programmes whose filter keeps it.
#![deny(missing_docs)]

mod change;
pub mod eventstreams;
mod filter;
pub mod hub;
pub mod rcfeed;

pub use change::{Change, ChangeError, MAX_EVENT_BYTES};
pub use filter::Filter;
pub use hub::{Hub, Source, SubscribeError, Subscription};

/// Where a feed hands the changes it keeps.
pub type Heard = tokio::sync::mpsc::Sender<Change>;
