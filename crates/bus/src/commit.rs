//! Writes that land together: emits, acks and state, in one MULTI/EXEC.

use serde::Serialize;

use crate::error::BusError;
use crate::keys::Keys;
use crate::stream::{PAYLOAD, SIG, Stream, TRACEPARENT, append, append_signed};
use crate::topic::Topic;
use crate::trace::{send_span, traceparent_of};

/// The fields of a dead-letter entry: where it came from, why it was given up, its payload.
pub(crate) struct NewDeadLetter<'a> {
    pub stream: Stream,
    pub stage: &'a str,
    pub entry: &'a str,
    pub reason: &'a str,
    pub deliveries: u64,
    pub payload: &'a str,
    pub traceparent: Option<&'a str>,
    /// Whether the payload was verified as MatchBot's own when it was read: only then is the
    /// dead letter signed, so `matchbot dlq retry` never puts a forgery back as genuine.
    pub verified: bool,
}

/// What a dead letter's payload is signed as: a dead letter from `stream`.
pub(crate) fn dead_letter_of(stream: Stream) -> String {
    format!("dead-letter from {stream}")
}

/// Writes that land together: emits downstream, acks upstream, and state such as a cursor.
///
/// Built with [`crate::Bus::commit_builder`] (or [`crate::Consumer::commit_builder`]), run with
/// [`crate::Bus::commit`]. Being one MULTI/EXEC is what lets a stage promise "acked only if emitted".
#[must_use = "a commit does nothing until it is passed to Bus::commit"]
pub struct Commit {
    keys: Keys,
    pipe: redis::Pipeline,
    len: usize,
    /// The PRODUCER span of each emit, in order: they end when the commit has run.
    sends: Vec<tracing::Span>,
}

impl Commit {
    pub(crate) fn new(keys: Keys) -> Commit {
        let mut pipe = redis::pipe();
        pipe.atomic();
        Commit {
            keys,
            pipe,
            len: 0,
            sends: Vec::new(),
        }
    }

    /// Adds `payload` to the topic's stream, with the trace context of a new PRODUCER span that
    /// is a child of the current span: whoever handles the entry continues the current trace.
    pub fn emit<T: Serialize>(&mut self, topic: Topic<T>, payload: &T) -> Result<(), BusError> {
        let stream = topic.stream();
        let json = serde_json::to_string(payload)?;
        let send = send_span(stream);
        let traceparent = traceparent_of(&send);
        // Not ignored: the reply's ids become the spans' message ids.
        append_signed(
            &mut self.pipe,
            &self.keys,
            stream,
            &json,
            traceparent.as_deref(),
        );
        self.sends.push(send);
        self.len += 1;
        Ok(())
    }

    /// Acknowledges entry `id` of `stream` for `stage`'s group.
    pub(crate) fn ack(&mut self, stream: Stream, stage: &str, id: &str) {
        self.pipe
            .xack(self.keys.key(stream.name()), stage, &[id])
            .ignore();
        self.len += 1;
    }

    /// Adds an entry to the dead-letter stream (the caller acks the original in the same commit).
    pub(crate) fn dead_letter(&mut self, dead: NewDeadLetter<'_>) {
        let deliveries = dead.deliveries.to_string();
        let mut fields = vec![
            ("stage", dead.stage),
            ("stream", dead.stream.name()),
            ("entry", dead.entry),
            ("reason", dead.reason),
            ("deliveries", &deliveries),
            (PAYLOAD, dead.payload),
        ];
        // A retried entry goes on in the trace it was sent in.
        if let Some(traceparent) = dead.traceparent {
            fields.push((TRACEPARENT, traceparent));
        }
        let sig = dead
            .verified
            .then(|| self.keys.sign(&dead_letter_of(dead.stream), dead.payload));
        if let Some(sig) = &sig {
            fields.push((SIG, sig));
        }
        append(&mut self.pipe, &self.keys, Stream::DeadLetter, &fields).ignore();
        self.len += 1;
    }

    /// Sets a plain key (its name is prefixed) to `value`.
    pub fn set(&mut self, name: &str, value: &str) {
        self.pipe.set(self.keys.key(name), value).ignore();
        self.len += 1;
    }

    /// Deletes a plain key (its name is prefixed).
    pub fn delete(&mut self, name: &str) {
        self.pipe.del(self.keys.key(name)).ignore();
        self.len += 1;
    }

    /// Adds `member` with `score` to a sorted set (its name is prefixed).
    pub fn zadd(&mut self, name: &str, member: &str, score: i64) {
        self.pipe.zadd(self.keys.key(name), member, score).ignore();
        self.len += 1;
    }

    /// Removes `member` from a sorted set (its name is prefixed).
    pub fn zrem(&mut self, name: &str, member: &str) {
        self.pipe.zrem(self.keys.key(name), member).ignore();
        self.len += 1;
    }

    /// Drops the members of a sorted set scored below `score`.
    pub fn zremrangebyscore_below(&mut self, name: &str, score: i64) {
        self.pipe
            .zrembyscore(self.keys.key(name), "-inf", format!("({score}"))
            .ignore();
        self.len += 1;
    }

    /// Sets `field` of a hash (its name is prefixed) to `value`.
    pub fn hset(&mut self, name: &str, field: &str, value: &str) {
        self.pipe.hset(self.keys.key(name), field, value).ignore();
        self.len += 1;
    }

    /// Takes one from a counter.
    pub(crate) fn decr(&mut self, name: &str) {
        self.pipe.decr(self.keys.key(name), 1).ignore();
        self.len += 1;
    }

    /// Lets a key (its name is prefixed) expire `seconds` from now.
    pub fn expire(&mut self, name: &str, seconds: i64) {
        self.pipe.expire(self.keys.key(name), seconds).ignore();
        self.len += 1;
    }

    /// True when nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The pipeline, for a module adding a command of its own (which then calls `count_one`).
    pub(crate) fn pipe_mut(&mut self) -> &mut redis::Pipeline {
        &mut self.pipe
    }

    /// Counts one command added through `pipe_mut`.
    pub(crate) fn count_one(&mut self) {
        self.len += 1;
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.keys
    }

    pub(crate) fn parts(&self) -> (&redis::Pipeline, &[tracing::Span]) {
        (&self.pipe, &self.sends)
    }
}
