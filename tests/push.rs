//! The scanner binary hearing an EventStreams-shaped feed from a local server-sent-events
//! server, against the fake wiki and the real Redis and MariaDB: each `categorize` event for the
//! Co-op wakes a poll, a stream cut in the middle of an event is resumed from the last event
//! id (the server checks `Last-Event-ID`), and no request is lost or handed out twice. The heartbeat
//! poll is an hour away, so only the feed can bring the requests.

use std::time::Duration;

use harness::Run;
use harness::fake_wiki::Clock;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const PATIENCE: Duration = Duration::from_secs(30);

/// One recentchange event of the documented schema, as EventStreams frames it.
fn event(offset: u64, title: &str, wiki: &str) -> String {
    let id = json!([{ "topic": "eqiad.mediawiki.recentchange", "partition": 0, "offset": offset }]);
    let data = json!({
        "$schema": "/mediawiki/recentchange/1.0.0",
        "meta": { "id": format!("00000000-0000-0000-0000-{offset:012}"), "dt": "2026-12-03T10:00:00Z",
                  "domain": "fake.example", "stream": "mediawiki.recentchange" },
        "type": "categorize", "namespace": 14, "title": title,
        "comment": "[[:Wikipedia:Co-op/Someone]] added to category", "timestamp": 1_796_292_000,
        "user": "Someone", "bot": false, "server_name": "fake.example", "wiki": wiki,
    });
    format!("event: message\nid: {id}\ndata: {data}\n\n")
}

/// Reads a request's head; returns its `Last-Event-ID`, if any.
async fn last_event_id(socket: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if socket.read(&mut byte).await.ok()? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("last-event-id")
            .then(|| value.trim().to_owned())
    })
}

const HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";

#[tokio::test(flavor = "multi_thread")]
async fn the_scanner_hears_eventstreams_resumes_after_a_cut_and_loses_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/v2/stream/recentchange",
        listener.local_addr().expect("addr")
    );
    let (wiki, run) = Run::on_fake_wiki("push-eventstreams", Clock::Real, |c| {
        c["scanner"]["push"] =
            json!({ "eventstreams": url, "wiki": "fakewiki", "heartbeat_seconds": 3600 });
    })
    .await;
    run.mentor_on(&wiki, "Ada", WRITING_MENTORS);
    let (say, mut told) = mpsc::channel::<&'static str>(4);
    let (resumed_from, mut resumed) = mpsc::channel::<Option<String>>(4);
    let first = event(101, WRITING, "fakewiki");
    let first_id = first
        .lines()
        .nth(1)
        .and_then(|l| l.strip_prefix("id: "))
        .expect("an id")
        .to_owned();
    let server = tokio::spawn(async move {
        // The first connection: a comment, another wiki's change, Ken's, then a cut in the
        // middle of the next event.
        let (mut socket, _) = listener.accept().await.expect("accept");
        assert_eq!(last_event_id(&mut socket).await, None);
        socket.write_all(HEAD).await.expect("write");
        socket.write_all(b": hello\n\n").await.expect("write");
        told.recv().await;
        socket
            .write_all(event(100, WRITING, "dewiki").as_bytes())
            .await
            .expect("write");
        socket.write_all(first.as_bytes()).await.expect("write");
        told.recv().await;
        let next = event(102, WRITING, "fakewiki");
        socket
            .write_all(&next.as_bytes()[..next.len() / 2])
            .await
            .expect("write");
        drop(socket);
        // The second: resumed from Ken's event; Lin's comes next.
        let (mut socket, _) = listener.accept().await.expect("accept");
        let _ = resumed_from.send(last_event_id(&mut socket).await).await;
        socket.write_all(HEAD).await.expect("write");
        told.recv().await;
        socket.write_all(next.as_bytes()).await.expect("write");
        told.recv().await;
    });

    let scanner = run.spawn("matchbot-scanner", &["--since", &run.since]);
    run.wait_until("the first reconcile", PATIENCE, || async {
        scanner.log().contains("\"reconciled\"")
    })
    .await;
    let handed_out = |learner: &str| {
        let needle = format!("\"learner\":\"{learner}\"");
        let log = scanner.log();
        log.lines()
            .filter(|l| l.contains("\"new request\"") && l.contains(&needle))
            .count()
    };
    run.asks_on(&wiki, "Ken", WRITING);
    say.send("Ken's change").await.expect("the server listens");
    run.wait_until("Ken's request", PATIENCE, || async {
        handed_out("Ken") == 1
    })
    .await;

    say.send("cut").await.expect("the server listens");
    let from = tokio::time::timeout(PATIENCE, resumed.recv())
        .await
        .expect("a reconnect");
    assert_eq!(
        from.flatten(),
        Some(first_id),
        "resumed after the last whole event"
    );
    run.asks_on(&wiki, "Lin", WRITING);
    say.send("Lin's change").await.expect("the server listens");
    run.wait_until("Lin's request", PATIENCE, || async {
        handed_out("Lin") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        (handed_out("Ken"), handed_out("Lin")),
        (1, 1),
        "each handed out once"
    );
    let _ = say.send("done").await;
    let log = scanner.stop().await;
    assert!(log.contains("hearing Wikimedia's EventStreams"), "{log}");
    server.await.expect("the server's checks");
}
