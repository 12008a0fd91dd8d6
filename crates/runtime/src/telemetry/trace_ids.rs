//! Each span's trace id, kept where every log line written inside the span can find it.

use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The trace id of a span, kept in its extensions so that log lines inside it can carry it.
#[derive(Clone)]
pub(crate) struct TraceId(pub(crate) String);

/// Keeps each span's `trace_id` field (recorded by the bus on the spans that start or continue
/// a request's trace) where the JSON log format finds it for every event inside the span.
pub(crate) struct TraceIds;

impl<S> Layer<S> for TraceIds
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        self.on_record(id, &tracing::span::Record::new(attrs.values()), ctx);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: Context<'_, S>,
    ) {
        let mut found = FindTraceId(None);
        values.record(&mut found);
        if let (Some(trace), Some(span)) = (found.0, ctx.span(id)) {
            span.extensions_mut().insert(TraceId(trace));
        }
    }
}

struct FindTraceId(Option<String>);

impl tracing::field::Visit for FindTraceId {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == matchbot_bus::TRACE_ID_FIELD {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == matchbot_bus::TRACE_ID_FIELD {
            self.0 = Some(format!("{value:?}"));
        }
    }
}
