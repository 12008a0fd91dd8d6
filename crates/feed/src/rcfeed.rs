//! A self-hosted MediaWiki's RCFeed over UDP: `$wgRCFeeds` with core's `UDPRCFeedEngine` and
//! `JSONRCFeedFormatter` sends one datagram per recent change, the JSON of the change, to an
//! address the scanner listens on. UDP may drop a datagram: the heartbeat poll and the
//! reconcile find what a lost one would have woken.

use std::net::SocketAddr;

use tokio::net::UdpSocket;
use tokio::sync::watch;

use crate::change::{Change, MAX_EVENT_BYTES};
use crate::{Filter, Heard};

/// Binds the address the wiki sends its feed to.
pub async fn bind(address: SocketAddr) -> std::io::Result<UdpSocket> {
    UdpSocket::bind(address).await
}

/// Hands every change `filter` keeps, from datagrams arriving on `socket`, to `heard`, until
/// `heard` is closed. A datagram that is no change, or larger than any, is logged and dropped.
/// When a wake-up is already waiting, another is not queued: one poll hears of both.
pub async fn listen(socket: UdpSocket, filter: watch::Receiver<Filter>, heard: Heard) {
    let hand = |change: Change| {
        if filter.borrow().keeps(&change) {
            tracing::debug!(title = %change.title, kind = %change.kind, "heard a change");
            // A full queue already holds a wake-up.
            let _ = heard.try_send(change);
        }
    };
    receive(&socket, hand, heard.closed()).await;
}

/// Hands every change read from datagrams arriving on `socket` to `hand`, unfiltered, until
/// `stop` completes: the loop of [`listen`] and of the hub's one listener per address.
pub(crate) async fn receive(
    socket: &UdpSocket,
    mut hand: impl FnMut(Change),
    stop: impl std::future::Future<Output = ()>,
) {
    let mut stop = std::pin::pin!(stop);
    // One byte more than any event, so a larger datagram is seen to be larger.
    let mut buffer = vec![0u8; MAX_EVENT_BYTES + 1];
    loop {
        let received = tokio::select! {
            received = socket.recv_from(&mut buffer) => received,
            () = &mut stop => return,
        };
        let (len, from) = match received {
            Ok(received) => received,
            Err(e) => {
                tracing::warn!(error = %e, "the RCFeed socket failed; listening on");
                continue;
            }
        };
        if let Some(change) = read(&buffer[..len], from) {
            hand(change);
        }
    }
}

fn read(datagram: &[u8], from: SocketAddr) -> Option<Change> {
    let parsed = std::str::from_utf8(datagram)
        .map_err(|e| e.to_string())
        .and_then(|text| Change::parse(text.trim_end()).map_err(|e| e.to_string()));
    match parsed {
        Ok(change) => Some(change),
        Err(why) => {
            tracing::debug!(%from, bytes = datagram.len(), %why, "a datagram that is no change: dropped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn changes_the_filter_keeps_are_heard_and_the_rest_dropped() {
        let socket = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let address = socket.local_addr().unwrap();
        let filter = Filter {
            categories: BTreeSet::from(["Category:Co-op mentors".to_owned()]),
            ..Filter::default()
        };
        let (_set, filter) = watch::channel(filter);
        let (heard, mut hear) = tokio::sync::mpsc::channel(8);
        let listener = tokio::spawn(listen(socket, filter, heard));
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let change = |title: &str| {
            format!(
                r#"{{"id":1,"type":"categorize","namespace":14,"title":"{title}","comment":"","timestamp":1,"user":"Ada","bot":false,"server_url":"http://127.0.0.1","server_name":"127.0.0.1","server_script_path":"/","wiki":"sandbox"}}"#
            )
        };
        for datagram in [
            "not json".to_owned(),
            "x".repeat(60_000),
            change("Category:Cats"),
            change("Category:Co-op mentors"),
        ] {
            sender.send_to(datagram.as_bytes(), address).await.unwrap();
        }
        let heard = tokio::time::timeout(Duration::from_secs(5), hear.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(heard.title, "Category:Co-op mentors");
        assert!(hear.try_recv().is_err(), "nothing else was heard");
        drop(hear);
        sender
            .send_to(change("Category:Co-op mentors").as_bytes(), address)
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(5), listener)
            .await
            .expect("the listener stops once nobody hears")
            .unwrap();
    }
}
