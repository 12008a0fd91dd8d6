//! The hub against real sockets: a local EventStreams server (`hub/sse.rs`) and a local UDP
//! sender playing a MediaWiki's RCFeed, with several programmes subscribed to one source.

#[path = "hub/sse.rs"]
mod sse;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use matchbot_feed::eventstreams::Stream;
use matchbot_feed::{Change, Filter, Hub, Source, SubscribeError, Subscription};
use sse::Sse;
use tokio::net::UdpSocket;

const MENTORS: &str = "Category:Co-op mentors";
const CONFIG: &str = "User:MatchBot/config.json";

/// A `categorize` (or, for a page, `edit`) change on `wiki`, numbered by its `user`.
fn event(wiki: &str, title: &str, n: usize) -> String {
    let kind = if title.starts_with("Category:") {
        "categorize"
    } else {
        "edit"
    };
    format!(
        r#"{{"$schema":"/mediawiki/recentchange/1.0.0","meta":{{"id":"id-{wiki}-{n}","dt":"2026-12-03T10:00:00Z","domain":"{wiki}.example.org","stream":"mediawiki.recentchange"}},"type":"{kind}","namespace":14,"title":"{title}","comment":"[[:Wikipedia:Co-op/Ada]] added to category","timestamp":1796292000,"user":"n{n}","bot":false,"server_name":"{wiki}.example.org","wiki":"{wiki}"}}"#
    )
}

fn filter(wiki: &str) -> Filter {
    Filter {
        wiki: Some(wiki.into()),
        server_name: None,
        categories: BTreeSet::from([MENTORS.to_owned()]),
        pages: BTreeSet::from([CONFIG.to_owned()]),
    }
}

fn stream(url: &str) -> Source {
    Source::EventStreams(Stream {
        first_delay: Duration::from_millis(50),
        ..Stream::new(
            url,
            "MatchBot-test/0.1 (https://example.org/matchbot; ops@example.org)",
        )
    })
}

async fn next(sub: &mut Subscription) -> Change {
    tokio::time::timeout(Duration::from_secs(10), sub.recv())
        .await
        .expect("a change in time")
        .expect("the hub still hearing")
}

/// The next change's wiki and number.
async fn next_of(sub: &mut Subscription) -> (String, String) {
    let change = next(sub).await;
    (change.wiki, change.user)
}

/// A loopback address nothing listens on now.
fn free_address() -> SocketAddr {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap()
}

#[tokio::test]
async fn two_subscribers_of_one_stream_each_get_only_their_wikis_changes() {
    let mut server = Sse::start().await;
    let hub = Hub::new();
    let mut en = hub
        .subscribe(stream(&server.url), filter("enwiki"))
        .await
        .unwrap();
    let mut de = hub
        .subscribe(stream(&server.url), filter("dewiki"))
        .await
        .unwrap();
    server.open(1).await;
    for (n, (wiki, title)) in [
        ("enwiki", MENTORS),
        ("dewiki", MENTORS),
        ("frwiki", MENTORS),
        ("enwiki", "Category:Cats"),
        ("dewiki", CONFIG),
        ("enwiki", CONFIG),
    ]
    .into_iter()
    .enumerate()
    {
        server.send(&event(wiki, title, n));
    }
    // Each subscriber's changes come in the stream's order, so the last one sent to each
    // comes after anything else it would have been handed.
    server.send(&event("enwiki", MENTORS, 99));
    server.send(&event("dewiki", MENTORS, 99));
    let en_got = [
        next_of(&mut en).await,
        next_of(&mut en).await,
        next_of(&mut en).await,
    ];
    let de_got = [
        next_of(&mut de).await,
        next_of(&mut de).await,
        next_of(&mut de).await,
    ];
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(w, n)| (w.to_string(), n.to_string()))
            .collect()
    };
    assert_eq!(
        en_got.to_vec(),
        pairs(&[("enwiki", "n0"), ("enwiki", "n5"), ("enwiki", "n99")])
    );
    assert_eq!(
        de_got.to_vec(),
        pairs(&[("dewiki", "n1"), ("dewiki", "n4"), ("dewiki", "n99")])
    );
    assert_eq!(server.requests(), 1, "one connection for both");
    let stats = en.stats();
    assert_eq!(
        (stats.subscribers, stats.connections, stats.heard),
        (2, 1, 8)
    );
}

#[tokio::test]
async fn two_subscribers_of_one_udp_address_each_get_only_their_wikis_changes() {
    let address = free_address();
    let hub = Hub::new();
    let source = Source::RcFeedUdp(address);
    let mut en = hub
        .subscribe(source.clone(), filter("enwiki"))
        .await
        .unwrap();
    let mut de = hub
        .subscribe(source.clone(), filter("dewiki"))
        .await
        .unwrap();
    assert_eq!(hub.upstreams(), 1);
    let wiki = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for (n, (w, title)) in [
        ("dewiki", MENTORS),
        ("frwiki", MENTORS),
        ("enwiki", MENTORS),
    ]
    .into_iter()
    .enumerate()
    {
        wiki.send_to(event(w, title, n).as_bytes(), address)
            .await
            .unwrap();
    }
    wiki.send_to(event("dewiki", CONFIG, 9).as_bytes(), address)
        .await
        .unwrap();
    assert_eq!(next_of(&mut en).await, ("enwiki".into(), "n2".into()));
    assert_eq!(next_of(&mut de).await, ("dewiki".into(), "n0".into()));
    assert_eq!(next_of(&mut de).await, ("dewiki".into(), "n9".into()));
    assert!(en.try_recv().is_none(), "nothing of another wiki");
    assert_eq!(hub.stats(&source).unwrap().connections, 1);
}

#[tokio::test]
async fn a_new_filter_takes_effect_without_a_reconnect() {
    let mut server = Sse::start().await;
    let hub = Hub::new();
    let mut sub = hub
        .subscribe(stream(&server.url), filter("enwiki"))
        .await
        .unwrap();
    server.open(1).await;
    server.send(&event("dewiki", MENTORS, 0));
    server.send(&event("enwiki", MENTORS, 1));
    assert_eq!(next_of(&mut sub).await, ("enwiki".into(), "n1".into()));

    sub.set_filter(filter("dewiki"));
    server.send(&event("enwiki", MENTORS, 2));
    server.send(&event("dewiki", MENTORS, 3));
    assert_eq!(next_of(&mut sub).await, ("dewiki".into(), "n3".into()));
    assert_eq!(
        server.requests(),
        1,
        "the filter changed, not the connection"
    );
    assert_eq!(server.now_open(), 1);
}

#[tokio::test]
async fn many_subscribers_share_one_connection() {
    let mut server = Sse::start().await;
    let hub = Hub::new();
    let mut subs = Vec::new();
    for n in 0..200 {
        let sub = hub.subscribe(stream(&server.url), filter(&format!("wiki{n}")));
        subs.push(sub.await.unwrap());
    }
    server.open(1).await;
    for n in (0..200).rev() {
        server.send(&event(&format!("wiki{n}"), MENTORS, n));
    }
    for (n, sub) in subs.iter_mut().enumerate() {
        assert_eq!(next_of(sub).await, (format!("wiki{n}"), format!("n{n}")));
    }
    assert_eq!(server.requests(), 1);
    assert_eq!(hub.upstreams(), 1);
    assert_eq!(
        subs[0].stats().queued,
        200,
        "each change to its one subscriber"
    );
}

#[tokio::test]
async fn a_dropped_subscriber_is_removed_and_the_last_one_stops_the_stream() {
    let mut server = Sse::start().await;
    let hub = Hub::new();
    let source = stream(&server.url);
    let mut en = hub
        .subscribe(source.clone(), filter("enwiki"))
        .await
        .unwrap();
    let gone = hub
        .subscribe(source.clone(), filter("enwiki"))
        .await
        .unwrap();
    server.open(1).await;
    drop(gone);
    assert_eq!(en.stats().subscribers, 1);
    for n in 0..10 {
        server.send(&event("enwiki", MENTORS, n));
    }
    for n in 0..10 {
        assert_eq!(next_of(&mut en).await.1, format!("n{n}"));
    }
    assert_eq!(en.stats().full, 0, "nothing was held for the dropped one");

    drop(en);
    assert_eq!(hub.upstreams(), 0);
    assert!(hub.stats(&source).is_none());
    let closed = server_closes(&server);
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the connection closed once nobody subscribes");
    // Subscribing again connects again.
    let _again = hub.subscribe(source, filter("enwiki")).await.unwrap();
    server.open(1).await;
    assert_eq!(server.requests(), 2);
}

async fn server_closes(server: &Sse) {
    while server.now_open() > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_subscriber_that_never_reads_does_not_hold_back_another() {
    let mut server = Sse::start().await;
    let hub = Hub::with_queue(2);
    let mut reader = hub
        .subscribe(stream(&server.url), filter("enwiki"))
        .await
        .unwrap();
    let _sleeper = hub
        .subscribe(stream(&server.url), filter("enwiki"))
        .await
        .unwrap();
    server.open(1).await;
    for n in 0..50 {
        server.send(&event("enwiki", MENTORS, n));
        // The reader reads as they come; the sleeper's queue filled at the second.
        assert_eq!(next_of(&mut reader).await.1, format!("n{n}"));
    }
    let stats = reader.stats();
    assert_eq!((stats.queued, stats.full), (52, 48));
}

#[tokio::test]
async fn an_address_in_use_is_an_error_and_a_stopped_one_can_be_bound_again() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let hub = Hub::new();
    let refused = hub
        .subscribe(Source::RcFeedUdp(address), filter("enwiki"))
        .await;
    assert!(
        matches!(refused, Err(SubscribeError::Bind { address: a, .. }) if a == address),
        "{refused:?}"
    );
    assert_eq!(hub.upstreams(), 0);
    drop(taken);

    // Its last subscriber gone, the address is bound again at once by the next.
    for _ in 0..20 {
        let sub = hub
            .subscribe(Source::RcFeedUdp(address), filter("enwiki"))
            .await;
        drop(sub.unwrap());
    }
    let mut sub = hub
        .subscribe(Source::RcFeedUdp(address), filter("enwiki"))
        .await
        .unwrap();
    let wiki = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    wiki.send_to(event("enwiki", MENTORS, 1).as_bytes(), address)
        .await
        .unwrap();
    assert_eq!(next_of(&mut sub).await.1, "n1");
}

#[tokio::test]
async fn a_user_agent_that_is_no_header_is_an_error() {
    let hub = Hub::new();
    let source = Source::eventstreams("http://127.0.0.1:9/", "bad\nagent");
    let refused = hub.subscribe(source, filter("enwiki")).await;
    assert!(
        matches!(refused, Err(SubscribeError::UserAgent(_))),
        "{refused:?}"
    );
}
