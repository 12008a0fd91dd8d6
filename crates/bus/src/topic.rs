//! Typed streams: a stream, the payload its entries carry, and the stage that reads it.
//!
//! The three streams between the stages are the constants [`REQUESTS`], [`DECISIONS`] and
//! [`OUTCOMES`]. Emitting goes through a topic ([`crate::Commit::emit`]) and reading through a
//! [`crate::Consumer`] of one, so putting a decision on the requests stream, or reading
//! outcomes as requests, does not compile; and the name of the stage reading each stream is
//! written once, in [`Stream::reader`].

use std::fmt;
use std::marker::PhantomData;

use matchbot_model::{Decision, Outcome, Request};

use crate::stream::Stream;

/// A stream whose entries carry a `T`, read by the consumer group of one stage.
pub struct Topic<T> {
    stream: Stream,
    stage: &'static str,
    /// `fn() -> T`: a topic neither owns a `T` nor stops being `Send` or `Sync` because of it.
    payload: PhantomData<fn() -> T>,
}

/// scanner → matcher.
pub const REQUESTS: Topic<Request> = Topic::of(Stream::Requests);
/// matcher → notifier.
pub const DECISIONS: Topic<Decision> = Topic::of(Stream::Decisions);
/// notifier → recorder.
pub const OUTCOMES: Topic<Outcome> = Topic::of(Stream::Outcomes);

impl<T> Topic<T> {
    /// The topic of one of the streams between the stages, read by the stage it names.
    const fn of(stream: Stream) -> Topic<T> {
        let stage = match stream.reader() {
            Some(stage) => stage,
            None => panic!("only the streams between the stages are topics"),
        };
        Topic::new(stream, stage)
    }

    /// A topic of `T` on `stream` read by the group `stage`: for tests and tools that read a
    /// stream with a payload and a group of their own. The stages use the constants.
    pub const fn new(stream: Stream, stage: &'static str) -> Topic<T> {
        Topic {
            stream,
            stage,
            payload: PhantomData,
        }
    }

    /// The stream.
    pub const fn stream(&self) -> Stream {
        self.stream
    }

    /// The consumer group, named after the stage, that reads it.
    pub const fn stage(&self) -> &'static str {
        self.stage
    }
}

impl<T> Clone for Topic<T> {
    fn clone(&self) -> Topic<T> {
        *self
    }
}

impl<T> Copy for Topic<T> {}

impl<T> fmt::Debug for Topic<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Topic({} read by {})", self.stream, self.stage)
    }
}
