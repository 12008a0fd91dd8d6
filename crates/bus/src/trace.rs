//! One trace per request, carried through the streams.
//!
//! Each entry a stage emits gets a PRODUCER span, `send <stream>`, and that span's W3C context
//! travels in the entry's top-level `traceparent` field. The stage downstream handles the entry
//! in a CONSUMER span, `process <stream>`, whose parent is that context and which also links to
//! it, as the OpenTelemetry semantic conventions for messaging ask. So
//! scanner, matcher, notifier and recorder add to one trace per request, which starts at the
//! scanner's [`request_span`].
//!
//! The spans record their trace id in the field [`TRACE_ID_FIELD`]; the log format puts it in
//! every line logged inside them.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Span;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::stream::{Stream, TRACEPARENT};

/// The span field holding the trace id (32 lowercase hex digits) of the request in hand.
pub const TRACE_ID_FIELD: &str = "trace_id";

/// The span field naming the programme an entry belongs to (on a deployment of several), for
/// the log format and the traces alike.
pub const PROGRAMME_FIELD: &str = "matchbot.programme";

/// The root span of a new request's trace, started where the request is found. Every entry
/// emitted inside it, and everything downstream, belongs to that trace.
pub fn request_span(request_id: &str) -> Span {
    let span = tracing::info_span!(
        parent: None,
        "request",
        otel.name = "new request",
        request = request_id,
        trace_id = Empty,
    );
    record_trace_id(&span);
    span
}

/// The PRODUCER span of one entry sent to `stream`, a child of the current span.
pub(crate) fn send_span(stream: Stream) -> Span {
    tracing::info_span!(
        "send",
        otel.name = format!("send {stream}"),
        otel.kind = "producer",
        otel.status_code = Empty,
        messaging.system = "redis",
        messaging.operation.type = "send",
        messaging.operation.name = "xadd",
        messaging.destination.name = stream.name(),
        messaging.message.id = Empty,
    )
}

/// The `traceparent` that makes `span` the parent of whatever handles the entry; `None` when
/// tracing is not set up (a tool or test without the OpenTelemetry layer).
pub(crate) fn traceparent_of(span: &Span) -> Option<String> {
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&span.context(), &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Where an entry was handled, for its CONSUMER span.
pub(crate) struct Processing<'a> {
    pub stream: Stream,
    pub group: &'a str,
    pub consumer: &'a str,
    pub entry: &'a str,
    /// The programme the entry belongs to, when the deployment serves several.
    pub programme: Option<&'a str>,
}

/// The CONSUMER span that handles one entry: a child of, and linked to, the context the entry
/// was sent with; a new trace when it carries none (an entry written by hand, or by an older
/// MatchBot).
pub(crate) fn process_span(at: Processing<'_>, traceparent: Option<&str>) -> Span {
    let span = tracing::info_span!(
        parent: None,
        "process",
        otel.name = format!("process {}", at.stream),
        otel.kind = "consumer",
        messaging.system = "redis",
        messaging.operation.type = "process",
        messaging.operation.name = "xreadgroup",
        messaging.destination.name = at.stream.name(),
        messaging.consumer.group.name = at.group,
        messaging.client.id = at.consumer,
        messaging.message.id = at.entry,
        matchbot.programme = at.programme,
        trace_id = Empty,
    );
    if let Some(creation) = traceparent.map(creation_context) {
        let sent = creation.span().span_context().clone();
        if sent.is_valid() {
            // Both before the span starts: afterwards the parent can no longer be set.
            span.add_link(sent);
            let _ = span.set_parent(creation);
        }
    }
    record_trace_id(&span);
    span
}

/// The CONSUMER span of a batch handled in one go (the recorder's one statement per batch):
/// a trace of its own, linked to every entry's context, since one span cannot have many
/// parents.
pub(crate) fn batch_span<'a>(
    stream: Stream,
    group: &str,
    programme: Option<&str>,
    traceparents: impl Iterator<Item = Option<&'a str>>,
    count: usize,
) -> Span {
    let span = tracing::info_span!(
        parent: None,
        "process",
        otel.name = format!("process {stream}"),
        otel.kind = "consumer",
        messaging.system = "redis",
        messaging.operation.type = "process",
        messaging.operation.name = "xreadgroup",
        messaging.destination.name = stream.name(),
        messaging.consumer.group.name = group,
        messaging.batch.message_count = count,
        matchbot.programme = programme,
        trace_id = Empty,
    );
    for traceparent in traceparents.flatten() {
        let sent = creation_context(traceparent).span().span_context().clone();
        if sent.is_valid() {
            span.add_link(sent);
        }
    }
    record_trace_id(&span);
    span
}

fn creation_context(traceparent: &str) -> opentelemetry::Context {
    let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    TraceContextPropagator::new().extract(&carrier)
}

fn record_trace_id(span: &Span) {
    let context = span.context();
    let ids = context.span().span_context().clone();
    if ids.is_valid() {
        span.record(TRACE_ID_FIELD, ids.trace_id().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_read_back_gives_the_context_it_came_from() {
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let cx = creation_context(traceparent);
        let ids = cx.span().span_context().clone();
        assert!(ids.is_valid());
        assert_eq!(
            ids.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(ids.span_id().to_string(), "00f067aa0ba902b7");
        assert!(!creation_context("garbage").span().span_context().is_valid());
    }
}
