//! The streams, the fields of their entries, and adding an entry.

use std::fmt;

use redis::streams::{StreamAddOptions, StreamTrimStrategy, StreamTrimmingMode};

use crate::keys::Keys;

/// The streams between the stages, and the one for entries no stage could handle (see the
/// pipeline in docs/ARCHITECTURE.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// scanner → matcher: a [`matchbot_model::Request`] per entry ([`crate::REQUESTS`]).
    Requests,
    /// matcher → notifier: a [`matchbot_model::Decision`] per entry ([`crate::DECISIONS`]).
    Decisions,
    /// notifier → recorder: an [`matchbot_model::Outcome`] per entry ([`crate::OUTCOMES`]).
    Outcomes,
    /// Entries no stage could handle, with the stage, the reason and the original payload.
    DeadLetter,
}

impl Stream {
    /// Every stream, in pipeline order.
    pub const ALL: [Stream; 4] = [
        Stream::Requests,
        Stream::Decisions,
        Stream::Outcomes,
        Stream::DeadLetter,
    ];

    /// The stream called `name` (without the prefix).
    pub fn from_name(name: &str) -> Option<Stream> {
        Stream::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The consumer group (the stage) that reads this stream; `None` for the dead-letter
    /// stream, which people read (`matchbot dlq`). The one place each stage's name is written.
    pub const fn reader(self) -> Option<&'static str> {
        match self {
            Stream::Requests => Some("matcher"),
            Stream::Decisions => Some("notifier"),
            Stream::Outcomes => Some("recorder"),
            Stream::DeadLetter => None,
        }
    }

    /// The stream's name, without the prefix.
    pub const fn name(self) -> &'static str {
        match self {
            Stream::Requests => "requests",
            Stream::Decisions => "decisions",
            Stream::Outcomes => "outcomes",
            Stream::DeadLetter => "dead-letter",
        }
    }
}

impl fmt::Display for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The entry field holding the JSON payload. The trace context travels beside it as a
/// top-level field ([`TRACEPARENT`]) so any language can read it without parsing the JSON.
pub(crate) const PAYLOAD: &str = "payload";

/// The entry field holding the W3C trace context of the request the entry is about.
pub(crate) const TRACEPARENT: &str = "traceparent";

/// The entry field holding the payload's signature (see `signing`): over the payload and the
/// stream it was written to, so an entry copied to another stream does not verify either.
pub(crate) const SIG: &str = "sig";

/// The dead-letter stream, which no stage reads, is capped at about this many entries so a
/// flood of poison cannot fill Redis (Toolforge evicts under pressure).
pub(crate) const DEAD_LETTER_MAX_LEN: usize = 100_000;

/// Adds to `pipe` a new entry on one of the streams between the stages: `payload`, signed as
/// belonging to `stream`, and its trace context.
pub(crate) fn append_signed<'p>(
    pipe: &'p mut redis::Pipeline,
    keys: &Keys,
    stream: Stream,
    payload: &str,
    traceparent: Option<&str>,
) -> &'p mut redis::Pipeline {
    let sig = keys.sign(stream.name(), payload);
    let mut fields = vec![(PAYLOAD, payload), (SIG, sig.as_str())];
    if let Some(traceparent) = traceparent {
        fields.push((TRACEPARENT, traceparent));
    }
    append(pipe, keys, stream, &fields)
}

/// Adds to `pipe` a new entry with `fields` at the end of `stream`. Every entry MatchBot writes
/// goes through here.
///
/// The streams between stages are not capped here: a cap trims the oldest entries whether or
/// not they were handled, so a backlog longer than the cap would lose requests. Their readers
/// trim what they have handled instead (see `upkeep`). Only the dead-letter stream is capped.
pub(crate) fn append<'p, I: redis::ToRedisArgs>(
    pipe: &'p mut redis::Pipeline,
    keys: &Keys,
    stream: Stream,
    fields: I,
) -> &'p mut redis::Pipeline {
    let key = keys.key(stream.name());
    if stream == Stream::DeadLetter {
        let capped = StreamAddOptions::default().trim(StreamTrimStrategy::maxlen(
            StreamTrimmingMode::Approx,
            DEAD_LETTER_MAX_LEN,
        ));
        pipe.xadd_options(&key, "*", fields, &capped)
    } else {
        pipe.xadd_options(&key, "*", fields, &StreamAddOptions::default())
    }
}

/// A stream entry id, `<milliseconds>-<sequence>`, ordered as Redis orders them. The
/// milliseconds are the Redis server's clock when the entry was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct EntryId {
    pub ms: u64,
    pub seq: u64,
}

impl EntryId {
    /// `0-0`, before every entry.
    pub const ZERO: EntryId = EntryId { ms: 0, seq: 0 };

    pub fn parse(id: &str) -> Option<EntryId> {
        let (ms, seq) = id.split_once('-')?;
        Some(EntryId {
            ms: ms.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}
