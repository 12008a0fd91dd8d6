//! One trace per request: the four real workers export their spans to a fake collector, and a
//! learner's request must come out as one trace from the scanner to the recorder, whose id is
//! in the request's row and in every log line about it.

use harness::collector::{Collector, Span};
use harness::{Run, WIKI, Wiki};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use serde_json::Value;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

/// A run with one writing mentor and one learner asking for writing help; returns the run
/// once the learner's request is on the wiki.
async fn one_request(wiki: &Wiki, name: &str, env: &[(&str, &str)]) -> Run {
    let mut run = Run::with_maintainer(name, wiki).await;
    for (key, value) in env {
        run = run.with_env(key, value);
    }
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Writing mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    wiki.edit_as(
        "Zoë",
        &run.profile("Zoë"),
        &format!("I want to write. [[{WRITING}]]"),
    )
    .await;
    run
}

/// The request id and trace id of the run's only row.
async fn recorded_trace(run: &Run) -> (String, String) {
    let rows = run
        .query("SELECT request_id, trace_id, outcome FROM matches")
        .await;
    assert_eq!(rows.len(), 1, "one request, one row");
    let (request, trace, outcome): (String, Option<String>, String) =
        mysql_async::from_row(rows[0].clone());
    assert_eq!(outcome, "posted");
    let trace = trace.expect("the row has a trace id");
    assert!(
        trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit()),
        "{trace:?}"
    );
    (request, trace)
}

/// Every log line of every worker about `request` carries `trace`; returns how many there
/// were per worker.
fn log_lines_carry(logs: &[(&str, String)], request: &str, trace: &str) -> Vec<(String, usize)> {
    let mut counts = Vec::new();
    for (worker, log) in logs {
        let mut about = 0;
        for line in log.lines() {
            let json: Value = serde_json::from_str(line).unwrap_or_else(|e| {
                panic!("{worker} logged a line that is not JSON ({e}): {line}")
            });
            if json["request"] == request {
                assert_eq!(
                    json["trace_id"], trace,
                    "{worker} logged about {request} outside its trace: {line}"
                );
                about += 1;
            }
        }
        counts.push((worker.to_string(), about));
    }
    counts
}

fn one<'a>(spans: &'a [Span], service: &str, name: &str) -> &'a Span {
    let found: Vec<&Span> = spans
        .iter()
        .filter(|s| s.service == service && s.name == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {name:?} span from {service}, found {}: {spans:#?}",
        found.len()
    );
    found[0]
}

/// `consumer`'s span processing what `send` put on `stream`: its child, linked to it, with the
/// messaging attributes.
fn check_hop(spans: &[Span], send: &Span, stream: &str, consumer: &str) {
    assert_eq!(send.kind, SpanKind::Producer, "{send:?}");
    assert_eq!(send.attribute("messaging.system"), Some("redis"));
    assert_eq!(send.attribute("messaging.operation.type"), Some("send"));
    assert_eq!(send.attribute("messaging.destination.name"), Some(stream));
    let id = send.attribute("messaging.message.id").unwrap_or("");
    assert!(
        id.contains('-'),
        "the send span names the entry id: {send:?}"
    );

    let process = one(spans, consumer, &format!("process {stream}"));
    assert_eq!(process.kind, SpanKind::Consumer, "{process:?}");
    assert_eq!(process.parent_span_id, send.span_id, "{process:?}");
    assert!(
        process
            .links
            .contains(&(send.trace_id.clone(), send.span_id.clone())),
        "the process span links to the send span: {process:?}"
    );
    assert_eq!(process.attribute("messaging.system"), Some("redis"));
    assert_eq!(
        process.attribute("messaging.operation.type"),
        Some("process")
    );
    assert_eq!(
        process.attribute("messaging.destination.name"),
        Some(stream)
    );
    let group = consumer.trim_start_matches("matchbot-");
    assert_eq!(
        process.attribute("messaging.consumer.group.name"),
        Some(group)
    );
    assert_eq!(process.attribute("messaging.message.id"), Some(id));
}

#[tokio::test]
async fn a_request_is_one_trace_from_scanner_to_recorder() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let collector = Collector::start().await;
    let run = one_request(
        &wiki,
        "traces",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint)],
    )
    .await;

    let logs = run.pipeline_once().await;
    let (request, trace) = recorded_trace(&run).await;

    // Every worker flushes its spans before it exits.
    let all = collector.spans();
    let spans: Vec<Span> = all
        .iter()
        .filter(|s| s.trace_id == trace)
        .cloned()
        .collect();
    let mut services: Vec<&str> = spans.iter().map(|s| s.service.as_str()).collect();
    services.sort();
    services.dedup();
    assert_eq!(
        services,
        [
            "matchbot-matcher",
            "matchbot-notifier",
            "matchbot-recorder",
            "matchbot-scanner"
        ],
        "the request's trace: {spans:#?}"
    );

    // The scanner starts the trace where it finds the request.
    let root = one(&spans, "matchbot-scanner", "new request");
    assert_eq!(root.parent_span_id, "", "the trace starts at the scanner");
    assert_eq!(root.attribute("request"), Some(request.as_str()));
    let send_request = one(&spans, "matchbot-scanner", "send requests");
    assert_eq!(send_request.parent_span_id, root.span_id);

    // Each hop: producer span, then the consumer's process span as its child, linked.
    check_hop(&spans, send_request, "requests", "matchbot-matcher");
    let send_decision = one(&spans, "matchbot-matcher", "send decisions");
    let matcher = one(&spans, "matchbot-matcher", "process requests");
    assert_eq!(send_decision.parent_span_id, matcher.span_id);
    check_hop(&spans, send_decision, "decisions", "matchbot-notifier");
    let notifier = one(&spans, "matchbot-notifier", "process decisions");
    let send_outcome = one(&spans, "matchbot-notifier", "send outcomes");
    assert_eq!(send_outcome.parent_span_id, notifier.span_id);
    check_hop(&spans, send_outcome, "outcomes", "matchbot-recorder");

    // The wiki calls the greeting made are client spans under the notifier's process span.
    let edit = one(&spans, "matchbot-notifier", "POST action=edit");
    assert_eq!(edit.kind, SpanKind::Client);
    assert_eq!(edit.parent_span_id, notifier.span_id);
    assert_eq!(edit.attribute("http.request.method"), Some("POST"));
    assert_eq!(edit.attribute("server.address"), Some("127.0.0.1"));
    let reads = spans
        .iter()
        .filter(|s| s.name == "GET action=query" && s.parent_span_id == notifier.span_id)
        .count();
    assert!(
        reads >= 1,
        "the notifier read the talk page first: {spans:#?}"
    );

    // The recorder writes a batch in one statement: the batch's span links to this request's
    // outcome, and the statement is its child.
    let batch = all
        .iter()
        .find(|s| {
            s.service == "matchbot-recorder"
                && s.name == "process outcomes"
                && s.links
                    .contains(&(trace.clone(), send_outcome.span_id.clone()))
                && s.trace_id != trace
        })
        .unwrap_or_else(|| panic!("no batch span linked to the outcome: {all:#?}"));
    assert_eq!(batch.attribute("messaging.batch.message_count"), Some("1"));
    let insert = all
        .iter()
        .find(|s| s.name == "INSERT matches" && s.parent_span_id == batch.span_id)
        .unwrap_or_else(|| panic!("no INSERT under the batch span: {all:#?}"));
    assert_eq!(insert.kind, SpanKind::Client);
    assert_eq!(insert.attribute("db.system.name"), Some("mysql"));
    assert_eq!(insert.trace_id, batch.trace_id);

    // And a person grepping the logs for the request finds the same trace id.
    let counts = log_lines_carry(&logs, &request, &trace);
    for (worker, about) in &counts[..3] {
        assert!(
            *about >= 1,
            "{worker} logged nothing about {request}: {counts:?}"
        );
    }
}

#[tokio::test]
async fn without_a_collector_nothing_is_sent_and_the_logs_still_carry_the_trace() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    // Where an exporter would send by default; nothing may arrive there.
    let default_collector = Collector::start_on(4318).await;
    let run = one_request(&wiki, "untraced", &[]).await;

    let logs = run.pipeline_once().await;
    let (request, trace) = recorded_trace(&run).await;

    for (worker, log) in &logs {
        for line in log.lines() {
            let json: Value = serde_json::from_str(line).expect("JSON log lines");
            assert!(
                json["level"] == "INFO",
                "{worker} complained without a collector: {line}"
            );
        }
    }
    let counts = log_lines_carry(&logs, &request, &trace);
    for (worker, about) in &counts[..3] {
        assert!(
            *about >= 1,
            "{worker} logged nothing about {request}: {counts:?}"
        );
    }
    let sent = default_collector.spans();
    assert!(sent.is_empty(), "spans were sent: {sent:?}");
}
