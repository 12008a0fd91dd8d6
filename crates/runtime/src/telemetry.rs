//! Logs and traces.
//!
//! Logs go to stderr through `tracing`: readable on a terminal, one JSON object per line
//! otherwise (what `toolforge jobs logs` shows). Traces are exported over OTLP/HTTP only when the
//! standard `OTEL_EXPORTER_OTLP_ENDPOINT` is set; Toolforge provides no collector by default.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::prelude::*;

/// Keeps the trace exporter alive; [`Telemetry::shutdown`] flushes it.
pub(crate) struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    pub(crate) async fn shutdown(self) {
        if let Some(provider) = self.provider {
            // The exporter blocks on HTTP; keep that off the async workers.
            let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        }
    }
}

/// Log targets capped at `info`, because below it they print secrets.
const SECRET_LOGGERS: &[&str] = &["cookie_store=info"];

pub(crate) fn init(service: &'static str) -> Telemetry {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Libraries that log secrets at their debug levels stay quiet whatever RUST_LOG asks:
    // cookie_store prints every Set-Cookie, session ids included (tests/secrets found it).
    for quiet in SECRET_LOGGERS {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let provider = std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").and_then(|_| {
        match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
        {
            Ok(exporter) => Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(
                        opentelemetry_sdk::Resource::builder()
                            .with_service_name(service)
                            .build(),
                    )
                    .build(),
            ),
            Err(e) => {
                eprintln!("{service}: traces disabled, cannot set up the OTLP exporter: {e}");
                None
            }
        }
    });
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("matchbot")));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let writer = std::io::stderr;
    let result = if std::io::stderr().is_terminal() {
        registry
            .with(tracing_subscriber::fmt::layer().with_writer(writer))
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_writer(writer),
            )
            .try_init()
    };
    if let Err(e) = result {
        eprintln!("{service}: logging was already set up: {e}");
    }
    Telemetry { provider }
}
