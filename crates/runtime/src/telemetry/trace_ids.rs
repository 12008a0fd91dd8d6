//! Each span's trace id and programme, kept where every log line written inside the span can
//! find them.

use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The trace id of a span, kept in its extensions so that log lines inside it can carry it.
#[derive(Clone)]
pub(crate) struct TraceId(pub(crate) String);

/// The programme a span works for (on a deployment of several), kept the same way.
#[derive(Clone)]
pub(crate) struct Programme(pub(crate) String);

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
        let mut found = Found::default();
        values.record(&mut found);
        let Some(span) = ctx.span(id) else {
            return;
        };
        if let Some(trace) = found.trace {
            span.extensions_mut().insert(TraceId(trace));
        }
        if let Some(programme) = found.programme {
            span.extensions_mut().insert(Programme(programme));
        }
    }
}

#[derive(Default)]
struct Found {
    trace: Option<String>,
    programme: Option<String>,
}

impl Found {
    fn note(&mut self, field: &tracing::field::Field, value: String) {
        match field.name() {
            matchbot_bus::TRACE_ID_FIELD => self.trace = Some(value),
            matchbot_bus::PROGRAMME_FIELD => self.programme = Some(value),
            _ => {}
        }
    }
}

impl tracing::field::Visit for Found {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.note(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.note(field, format!("{value:?}"));
    }
}
