//! The EventStreams client against a local server speaking just enough HTTP/1.1: it replays
//! `recentchange` events shaped as Wikimedia's schema, drops the connection mid-event or
//! answers 503, and checks how the client comes back.

// Its own file, beside this one: a test crate root finds modules in `tests/`.
#[path = "eventstreams/server.rs"]
mod server;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use matchbot_feed::eventstreams::{Error, Stream, listen};
use matchbot_feed::{Change, Filter};
use server::{CONFIG, Heard, MENTORS, Plan, WRITING, server, stream_of_changes};
use tokio::sync::{mpsc, oneshot};

fn filter() -> Filter {
    Filter {
        wiki: Some("enwiki".into()),
        server_name: None,
        categories: BTreeSet::from([MENTORS.to_owned(), WRITING.to_owned()]),
        pages: BTreeSet::from([CONFIG.to_owned()]),
    }
}

fn quick(url: &str, first_delay: Duration) -> Stream {
    Stream {
        first_delay,
        max_delay: first_delay * 4,
        idle: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ..Stream::new(
            url,
            "MatchBot-test/0.1 (https://example.org/matchbot; ops@example.org)",
        )
    }
}

/// What one run saw: the changes handed on (by `meta.id`), the client's last id at the end,
/// and the requests the server read.
type Seen = (Vec<String>, Option<String>, Vec<Heard>);

/// Listens until `expected` changes arrived and the server read `connections` requests, and a
/// little more, then stops the client.
async fn run(
    stream: Stream,
    expected: usize,
    requests: &mut mpsc::UnboundedReceiver<Heard>,
    connections: usize,
) -> Seen {
    let (tx, mut rx) = mpsc::channel::<Change>(64);
    let (stop, stopped) = oneshot::channel::<()>();
    let client = tokio::spawn(async move {
        let mut resume = None;
        let ended = listen(&stream, &filter(), &tx, &mut resume, async {
            let _ = stopped.await;
        })
        .await;
        (ended, resume)
    });
    let mut got = Vec::new();
    while got.len() < expected {
        let change = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a change in time")
            .expect("the client still listening");
        got.push(change.meta.map(|m| m.id).unwrap_or_default());
    }
    let mut heard = Vec::new();
    while heard.len() < connections {
        let request = tokio::time::timeout(Duration::from_secs(5), requests.recv())
            .await
            .expect("a request in time")
            .expect("the server still serving");
        heard.push(request);
    }
    // Anything repeated or not filtered out would be here by now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(change) = rx.try_recv() {
        got.push(change.meta.map(|m| m.id).unwrap_or_default());
    }
    stop.send(()).unwrap();
    let (ended, resume) = tokio::time::timeout(Duration::from_secs(5), client)
        .await
        .expect("stop ends listening")
        .unwrap();
    assert!(ended.is_ok(), "{ended:?}");
    (got, resume, heard)
}

fn kept() -> Vec<String> {
    stream_of_changes()
        .into_iter()
        .filter(|e| e.kept)
        .map(|e| e.meta_id)
        .collect()
}

#[tokio::test]
async fn a_dropped_stream_resumes_after_the_last_id_losing_and_repeating_nothing() {
    let events = stream_of_changes();
    let (url, mut requests) = server(vec![
        Plan::Serve { cut: Some(6) },
        Plan::Serve { cut: None },
    ])
    .await;
    let (got, resume, heard) = run(
        quick(&url, Duration::from_millis(50)),
        kept().len(),
        &mut requests,
        2,
    )
    .await;
    assert_eq!(got, kept(), "each kept change once, in order, and no other");
    assert_eq!(resume.as_deref(), Some(events[10].id.as_str()));

    let (first, second) = (&heard[0], &heard[1]);
    assert!(
        first
            .head
            .starts_with("GET /v2/stream/recentchange HTTP/1.1\r\n")
    );
    assert_eq!(first.header("accept"), Some("text/event-stream"));
    assert_eq!(
        first.header("user-agent"),
        Some("MatchBot-test/0.1 (https://example.org/matchbot; ops@example.org)")
    );
    assert_eq!(first.header("last-event-id"), None);
    // The last event whole before the cut was event 5.
    assert_eq!(second.header("last-event-id"), Some(events[5].id.as_str()));
}

#[tokio::test]
async fn a_stream_answering_503_is_waited_out_then_read() {
    let first_delay = Duration::from_millis(300);
    let (url, mut requests) = server(vec![Plan::Unavailable, Plan::Serve { cut: None }]).await;
    let (got, _, heard) = run(quick(&url, first_delay), kept().len(), &mut requests, 2).await;
    assert_eq!(got, kept());

    let (first, second) = (&heard[0], &heard[1]);
    assert!(
        second.at - first.at >= first_delay,
        "reconnected after {:?}",
        second.at - first.at
    );
    assert_eq!(second.header("last-event-id"), None);
}

#[tokio::test]
async fn the_wait_doubles_to_its_cap_and_starts_over_after_a_good_connection() {
    use Plan::{Serve, Unavailable as Busy};
    // Wide enough that a loaded machine cannot blur one wait into the next.
    let first_delay = Duration::from_millis(250);
    let plans = vec![
        Busy,
        Busy,
        Busy,
        Busy,
        Serve { cut: Some(3) },
        Busy,
        Serve { cut: None },
    ];
    let (url, mut requests) = server(plans).await;
    // `quick` caps the wait at four times the first: 250, 500, 1000, 1000 ms.
    let (got, _, heard) = run(quick(&url, first_delay), kept().len(), &mut requests, 7).await;
    assert_eq!(got, kept());

    let at: Vec<Instant> = heard.iter().map(|h| h.at).collect();
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    let ms = |n| Duration::from_millis(n);
    assert!(gaps[0] >= ms(250) && gaps[1] >= ms(500), "{gaps:?}");
    assert!(gaps[2] >= ms(1000) && gaps[3] >= ms(1000), "{gaps:?}");
    // Capped: not 2000 ms.
    assert!(gaps[3] < ms(1900), "{gaps:?}");
    // The connection that read events started the wait over: 250 ms, not 1000, then 500.
    assert!(gaps[4] >= ms(250) && gaps[4] < ms(900), "{gaps:?}");
    assert!(gaps[5] >= ms(500), "{gaps:?}");
}

#[tokio::test]
async fn a_silent_stream_is_taken_for_dead_and_resumed() {
    let events = stream_of_changes();
    let plans = vec![Plan::Serve { cut: None }, Plan::Serve { cut: None }];
    let (url, mut requests) = server(plans).await;
    // The server sends everything, then stays open saying nothing, heartbeats included.
    let stream = Stream {
        idle: Duration::from_millis(300),
        ..quick(&url, Duration::from_millis(50))
    };
    // Two requests: a reconnect once the stream went silent.
    let (got, resume, heard) = run(stream, kept().len(), &mut requests, 2).await;
    assert_eq!(got, kept(), "nothing repeated after the reconnect");
    assert_eq!(resume.as_deref(), Some(events[10].id.as_str()));

    let (first, second) = (&heard[0], &heard[1]);
    assert!(second.at - first.at >= Duration::from_millis(300));
    assert_eq!(second.header("last-event-id"), Some(events[10].id.as_str()));
}

#[tokio::test]
async fn stop_ends_a_wait_and_a_gone_receiver_ends_listening() {
    // Always busy, with a long wait: stopping during the wait ends listening at once.
    let (url, mut requests) = server(vec![Plan::Unavailable; 4]).await;
    let (tx, _rx) = mpsc::channel::<Change>(1);
    let (stop, stopped) = oneshot::channel::<()>();
    let stream = quick(&url, Duration::from_secs(30));
    let client = tokio::spawn(async move {
        let mut resume = None;
        listen(&stream, &filter(), &tx, &mut resume, async {
            let _ = stopped.await;
        })
        .await
    });
    requests.recv().await.unwrap();
    stop.send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(2), client)
        .await
        .expect("stop ends the wait")
        .unwrap();
    assert!(ended.is_ok(), "{ended:?}");

    // Nobody to hand changes to: listening ends rather than reading on for no one.
    let (url, _requests) = server(vec![Plan::Serve { cut: None }]).await;
    let (tx, rx) = mpsc::channel::<Change>(1);
    drop(rx);
    let mut resume = None;
    let stream = quick(&url, Duration::from_millis(50));
    let ended = tokio::time::timeout(
        Duration::from_secs(5),
        listen(&stream, &filter(), &tx, &mut resume, std::future::pending()),
    )
    .await
    .expect("a gone receiver ends listening");
    assert!(matches!(ended, Err(Error::Closed)), "{ended:?}");
    // Nothing was handed on, so the client does not claim to have read past event 0.
    assert_eq!(resume, None);
}
