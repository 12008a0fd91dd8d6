//! `scanner.push` (optional): a feed of the wiki's changes, heard instead of asked for.
//!
//! A feed only wakes the scanner: a change it hears that concerns the Co-op makes the scanner
//! poll its watchlist at once, and what the poll finds is what counts. Between changes the
//! scanner polls every `heartbeat_seconds` instead of every `scanner.poll_seconds`, so an idle
//! Co-op costs a request every few minutes rather than every few seconds.

use std::net::SocketAddr;
use std::time::Duration;

use crate::limits;
use crate::reader::Reader;

/// Where the scanner hears the wiki's changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    /// `scanner.push.rcfeed`, `udp://host:port`: a MediaWiki's `$wgRCFeeds` with the UDP
    /// engine and the JSON formatter; the scanner listens there.
    RcFeedUdp(SocketAddr),
    /// `scanner.push.eventstreams`: Wikimedia's EventStreams `recentchange` stream URL.
    EventStreams(String),
}

/// The push settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushConfig {
    /// The feed.
    pub feed: Feed,
    /// `scanner.push.wiki`: only changes of this wiki (its database name, `enwiki`) count;
    /// needed on EventStreams, which carries every Wikimedia wiki.
    pub wiki: Option<String>,
    /// `scanner.push.server_name`: only changes of this host (`en.wikipedia.org`) count.
    pub server_name: Option<String>,
    /// `scanner.push.heartbeat_seconds` (default 600): how often the scanner polls when it has
    /// heard nothing, for a change the feed lost.
    pub heartbeat: Duration,
}

/// The default heartbeat: ten minutes.
const HEARTBEAT: Duration = Duration::from_secs(600);

/// Reads `scanner.push`; `Some(None)` when it is absent.
pub(crate) fn read(r: &mut Reader) -> Option<Option<PushConfig>> {
    if r.lookup("scanner.push").is_none() {
        return Some(None);
    }
    r.section("scanner.push");
    let rcfeed = r.opt_text("scanner.push.rcfeed", limits::TEXT);
    let eventstreams = r.opt_text("scanner.push.eventstreams", limits::TEXT);
    let feed = match (rcfeed, eventstreams) {
        (Some(uri), None) => udp_address(r, &uri).map(Feed::RcFeedUdp),
        (None, Some(url)) if url.starts_with("https://") || url.starts_with("http://") => {
            Some(Feed::EventStreams(url))
        }
        (None, Some(url)) => {
            r.problem(
                "scanner.push.eventstreams",
                format!("\"{url}\" must be an http:// or https:// URL"),
            );
            None
        }
        (Some(_), Some(_)) => {
            r.problem(
                "scanner.push",
                "sets both rcfeed and eventstreams; a scanner hears one feed",
            );
            None
        }
        (None, None) => {
            r.problem("scanner.push", "names no feed: set rcfeed or eventstreams");
            None
        }
    };
    let wiki = r.opt_text("scanner.push.wiki", limits::TITLE);
    let server_name = r.opt_text("scanner.push.server_name", limits::TITLE);
    let heartbeat = r
        .opt_seconds("scanner.push.heartbeat_seconds")
        .map_or(HEARTBEAT, Duration::from_secs_f64);
    Some(Some(PushConfig {
        feed: feed?,
        wiki,
        server_name,
        heartbeat,
    }))
}

/// `udp://host:port` as an address to listen on.
fn udp_address(r: &mut Reader, uri: &str) -> Option<SocketAddr> {
    let address = uri.strip_prefix("udp://").and_then(|a| a.parse().ok());
    if address.is_none() {
        r.problem(
            "scanner.push.rcfeed",
            format!("\"{uri}\" must be udp://<IP address>:<port>, where the scanner listens"),
        );
    }
    address
}
