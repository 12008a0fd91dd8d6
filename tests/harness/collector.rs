//! A fake OpenTelemetry collector: it accepts OTLP/HTTP trace exports (protobuf, as the
//! workers send them), decodes every span and keeps it, so a test can check the traces the
//! real binaries exported.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;

/// One span as the collector received it, ids as lowercase hex.
#[derive(Debug, Clone)]
pub struct Span {
    /// The `service.name` of the process that exported it.
    pub service: String,
    /// The span's name.
    pub name: String,
    /// Producer, consumer, client, internal…
    pub kind: SpanKind,
    /// The trace it belongs to.
    pub trace_id: String,
    /// Its own id.
    pub span_id: String,
    /// Its parent's id; empty for a root.
    pub parent_span_id: String,
    /// The spans it links to, as (trace id, span id).
    pub links: Vec<(String, String)>,
    /// Its attributes, as text.
    pub attributes: Vec<(String, String)>,
}

impl Span {
    /// The value of attribute `key`, if it has one.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The fake collector, serving until dropped.
pub struct Collector {
    /// What to set `OTEL_EXPORTER_OTLP_ENDPOINT` to.
    pub endpoint: String,
    spans: Arc<Mutex<Vec<Span>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Collector {
    /// Starts a collector on a free port of 127.0.0.1.
    pub async fn start() -> Collector {
        Collector::start_on(0).await
    }

    /// Starts a collector on `port` of 127.0.0.1 (4318 is where an exporter sends when no
    /// endpoint is set).
    pub async fn start_on(port: u16) -> Collector {
        Collector::start_at(std::net::Ipv4Addr::LOCALHOST.into(), port).await
    }

    /// Starts a collector on `port` of `ip`: an address other than loopback for exporters
    /// elsewhere, as in containers (0 for a free port).
    pub async fn start_at(ip: std::net::IpAddr, port: u16) -> Collector {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/v1/traces", axum::routing::post(export))
            .with_state(spans.clone());
        let listener = tokio::net::TcpListener::bind((ip, port))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {ip}:{port} for the collector: {e}"));
        let addr = listener.local_addr().expect("the collector's address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the collector serves");
        });
        Collector {
            endpoint: format!("http://{addr}"),
            spans,
            server,
        }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.spans.lock().expect("collector state").clone()
    }
}

async fn export(State(spans): State<Arc<Mutex<Vec<Span>>>>, body: Bytes) -> (StatusCode, Vec<u8>) {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return (StatusCode::BAD_REQUEST, Vec::new());
    };
    let mut received = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .map(text)
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                received.push(Span {
                    service: service.clone(),
                    kind: span.kind(),
                    name: span.name,
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: hex(&span.parent_span_id),
                    links: span
                        .links
                        .iter()
                        .map(|l| (hex(&l.trace_id), hex(&l.span_id)))
                        .collect(),
                    attributes: span
                        .attributes
                        .iter()
                        .map(|a| (a.key.clone(), text(a)))
                        .collect(),
                });
            }
        }
    }
    spans.lock().expect("collector state").extend(received);
    (
        StatusCode::OK,
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

fn text(attribute: &KeyValue) -> String {
    match attribute.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Any::StringValue(s)) => s.clone(),
        Some(Any::IntValue(i)) => i.to_string(),
        Some(Any::BoolValue(b)) => b.to_string(),
        Some(Any::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
