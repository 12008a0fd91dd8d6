//! Logs and traces.
//!
//! Logs go to stderr through `tracing`: readable on a terminal, one JSON object per line
//! otherwise (what `toolforge jobs logs` shows). A line logged while a request is being handled
//! carries that request's `trace_id`, so `grep` finds one learner's way through all four
//! workers even where no trace is exported.
//!
//! Spans always get OpenTelemetry ids (that is where the trace id comes from, and what the
//! bus writes into each stream entry's `traceparent`), but they are exported over OTLP/HTTP
//! only when the standard `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set:
//! Toolforge provides no collector, and without one nothing is sent and nothing complains.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;

mod json;
mod trace_ids;

use trace_ids::TraceIds;

/// Keeps the trace exporter alive; [`Telemetry::shutdown`] flushes it.
pub(crate) struct Telemetry {
    provider: SdkTracerProvider,
    exporting: bool,
}

impl Telemetry {
    /// Sends what is left, for at most [`FLUSH_LIMIT`]: an unreachable collector must not hold
    /// up a stop.
    pub(crate) async fn shutdown(self) {
        if self.exporting {
            // The exporter blocks on HTTP; keep that off the async workers.
            let provider = self.provider;
            let flush = tokio::task::spawn_blocking(move || provider.shutdown());
            if tokio::time::timeout(FLUSH_LIMIT, flush).await.is_err() {
                eprintln!(
                    "the last spans could not be sent within {}s; dropped",
                    FLUSH_LIMIT.as_secs()
                );
            }
        }
    }
}

/// How long a stopping worker waits for its last spans to be sent.
/// The span each programme of a deployment runs in, for its log lines to name it.
pub(crate) const PROGRAMME_SPAN: &str = "programme";

const FLUSH_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

/// How long one export may take unless `OTEL_EXPORTER_OTLP_TIMEOUT` says otherwise (the
/// library's default is 10 s, more than a stop may take).
const EXPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Log targets capped at `info`, because below it they print secrets.
const SECRET_LOGGERS: &[&str] = &["cookie_store=info"];

/// The variables that turn exporting on, as the OpenTelemetry specification names them.
const ENDPOINT_VARS: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
];

pub(crate) fn init(service: &'static str) -> Telemetry {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Libraries that log secrets at their debug levels stay quiet whatever RUST_LOG asks:
    // cookie_store prints every Set-Cookie, session ids included (tests/secrets found it).
    for quiet in SECRET_LOGGERS {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let (provider, exporting) = tracer_provider(service);
    // A programme's span lasts as long as the process: in a trace it would make everything
    // the programme does one trace that never ends, so traces leave it out (each entry's
    // span carries the programme itself).
    let otel = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("matchbot"))
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            meta.name() != PROGRAMME_SPAN
        }));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(otel)
        .with(TraceIds)
        .with(Progress);
    let writer = std::io::stderr;
    let result = if std::io::stderr().is_terminal() {
        registry
            .with(tracing_subscriber::fmt::layer().with_writer(writer))
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .event_format(json::JsonLines)
                    .fmt_fields(json::NoSpanFields)
                    .with_ansi(false)
                    .with_writer(writer),
            )
            .try_init()
    };
    if let Err(e) = result {
        eprintln!("{service}: logging was already set up: {e}");
    }
    Telemetry {
        provider,
        exporting,
    }
}

/// The tracer provider: with a batch exporter when an endpoint is set, else one that only
/// hands out ids.
fn tracer_provider(service: &'static str) -> (SdkTracerProvider, bool) {
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service)
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let wanted = ENDPOINT_VARS
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()));
    if !wanted {
        return (builder.build(), false);
    }
    // The blocking client: the batch processor exports from a thread of its own, outside any
    // tokio runtime, where the async client panics.
    let mut exporter = opentelemetry_otlp::SpanExporter::builder().with_http();
    if std::env::var_os("OTEL_EXPORTER_OTLP_TIMEOUT").is_none()
        && std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT").is_none()
    {
        exporter = exporter.with_timeout(EXPORT_TIMEOUT);
    }
    match exporter.build() {
        Ok(exporter) => (builder.with_batch_exporter(exporter).build(), true),
        Err(e) => {
            eprintln!("{service}: traces not exported, cannot set up the OTLP exporter: {e}");
            (builder.build(), false)
        }
    }
}

/// Every finished span is progress — a wiki request answered, a statement run, an entry
/// handled — so it beats the heartbeat (see `heartbeat`): a worker retrying a slow wiki is
/// busy, not stuck.
struct Progress;

impl<S: Subscriber> Layer<S> for Progress {
    fn on_close(&self, _id: tracing::span::Id, _ctx: Context<'_, S>) {
        crate::heartbeat::beat();
    }
}
