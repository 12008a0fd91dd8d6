use serde::Serialize;

use crate::stream::{PAYLOAD, TRACEPARENT, append};
use crate::trace::{send_span, traceparent_of};
use crate::{Bus, BusError, Stream};

/// The fields of a dead-letter entry: where it came from, why it was given up, its payload.
pub(crate) struct NewDeadLetter<'a> {
    pub stream: Stream,
    pub stage: &'a str,
    pub entry: &'a str,
    pub reason: &'a str,
    pub deliveries: u64,
    pub payload: &'a str,
    pub traceparent: Option<&'a str>,
}

/// Writes that land together: emits downstream, acks upstream, and state such as a cursor.
///
/// Built with [`Bus::commit_builder`] (or [`crate::Consumer::commit_builder`]), run with
/// [`Bus::commit`]. Being one MULTI/EXEC is what lets a stage promise "acked only if emitted".
#[must_use = "a commit does nothing until it is passed to Bus::commit"]
pub struct Commit {
    bus: Bus,
    pipe: redis::Pipeline,
    len: usize,
    /// The PRODUCER span of each emit, in order: they end when the commit has run.
    sends: Vec<tracing::Span>,
}

impl Commit {
    pub(crate) fn new(bus: Bus) -> Commit {
        let mut pipe = redis::pipe();
        pipe.atomic();
        Commit {
            bus,
            pipe,
            len: 0,
            sends: Vec::new(),
        }
    }

    /// Adds `payload` to `stream`, with the trace context of a new PRODUCER span that is a
    /// child of the current span: whoever handles the entry continues the current trace.
    pub fn emit<T: Serialize>(&mut self, stream: Stream, payload: &T) -> Result<(), BusError> {
        let json = serde_json::to_string(payload)?;
        let send = send_span(stream);
        let mut fields = vec![(PAYLOAD, json)];
        if let Some(traceparent) = traceparent_of(&send) {
            fields.push((TRACEPARENT, traceparent));
        }
        // Not ignored: the reply's ids become the spans' message ids.
        append(&mut self.pipe, &self.bus, stream, &fields);
        self.sends.push(send);
        self.len += 1;
        Ok(())
    }

    /// Acknowledges entry `id` of `stream` for `stage`'s group.
    pub fn ack(&mut self, stream: Stream, stage: &str, id: &str) {
        self.pipe
            .xack(self.bus.key(stream.name()), stage, &[id])
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
        append(&mut self.pipe, &self.bus, Stream::DeadLetter, &fields).ignore();
        self.len += 1;
    }

    /// Sets a plain key (its name is prefixed) to `value`.
    pub fn set(&mut self, name: &str, value: &str) {
        self.pipe.set(self.bus.key(name), value).ignore();
        self.len += 1;
    }

    /// Adds `member` with `score` to a sorted set (its name is prefixed).
    pub fn zadd(&mut self, name: &str, member: &str, score: i64) {
        self.pipe.zadd(self.bus.key(name), member, score).ignore();
        self.len += 1;
    }

    /// Drops the members of a sorted set scored below `score`.
    pub fn zremrangebyscore_below(&mut self, name: &str, score: i64) {
        self.pipe
            .zrembyscore(self.bus.key(name), "-inf", format!("({score}"))
            .ignore();
        self.len += 1;
    }

    /// Sets `field` of a hash (its name is prefixed) to `value`.
    pub fn hset(&mut self, name: &str, field: &str, value: &str) {
        self.pipe.hset(self.bus.key(name), field, value).ignore();
        self.len += 1;
    }

    /// Lets a key (its name is prefixed) expire `seconds` from now.
    pub fn expire(&mut self, name: &str, seconds: i64) {
        self.pipe.expire(self.bus.key(name), seconds).ignore();
        self.len += 1;
    }

    /// True when nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn into_parts(self) -> (redis::Pipeline, Vec<tracing::Span>) {
        (self.pipe, self.sends)
    }
}
