//! Listening to one EventStreams stream: connect, read events, hand on the changes a filter
//! keeps, and reconnect after a capped backoff from the last event id, until told to stop.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};

use super::parser::Parser;
use crate::change::Change;
use crate::filter::Filter;

/// Where to listen and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The stream's URL (`https://stream.wikimedia.org/v2/stream/recentchange`).
    pub url: String,
    /// The User-Agent sent, naming the bot and how to reach its operator (Wikimedia's policy).
    pub user_agent: String,
    /// The wait before the first reconnect; it doubles after each failed one.
    pub first_delay: Duration,
    /// The longest wait between reconnects.
    pub max_delay: Duration,
    /// How long the stream may say nothing (EventStreams sends heartbeat comments) before the
    /// connection is taken for dead and made again.
    pub idle: Duration,
    /// How long connecting and the answer's headers may take.
    pub connect_timeout: Duration,
}

impl Stream {
    /// A stream at `url` with the usual delays: 1 s doubling to 30 s, 60 s idle, 10 s to
    /// connect.
    pub fn new(url: impl Into<String>, user_agent: impl Into<String>) -> Stream {
        Stream {
            url: url.into(),
            user_agent: user_agent.into(),
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Why listening stopped, or why one connection ended (logged, then waited out).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The HTTP client could not be built (e.g. a User-Agent that is not a header value).
    #[error("the HTTP client cannot be built: {0}")]
    Client(#[source] reqwest::Error),
    /// Whoever the changes are for stopped listening.
    #[error("the receiver of changes is gone")]
    Closed,
    /// Connecting, or reading the answer, failed.
    #[error("the connection failed: {0}")]
    Http(#[source] reqwest::Error),
    /// The answer was not 2xx.
    #[error("the stream answered HTTP {0}")]
    Status(u16),
    /// The answer was not an event stream.
    #[error("the stream answered {0:?}, not text/event-stream")]
    NotEventStream(String),
    /// No answer came within [`Stream::connect_timeout`].
    #[error("no answer within {0:?}")]
    NoAnswer(Duration),
    /// The stream said nothing for longer than [`Stream::idle`].
    #[error("the stream was silent for {0:?}")]
    Idle(Duration),
    /// The server closed the stream.
    #[error("the server closed the stream")]
    Ended,
}

/// Listens to `stream` until `stop` completes, sending each change that `filter` keeps on
/// `heard` (the crate's `Heard`), in the stream's order.
///
/// `resume` is the last event id seen: sent as `Last-Event-ID` on each connection when there is
/// one, and kept up to date as events are read (after each is handed on), so a caller that
/// listens again later loses nothing either. An event whose data is not a change is logged and
/// skipped. A failed connection, an answer that is not 2xx, a silent or closed stream is logged
/// and made again after a wait that doubles from [`Stream::first_delay`] to
/// [`Stream::max_delay`], back to the first after a connection that read an event.
///
/// Returns `Ok(())` when `stop` completes, [`Error::Client`] when no HTTP client can be built
/// and [`Error::Closed`] when `heard`'s receiver is gone.
pub async fn listen(
    stream: &Stream,
    filter: &Filter,
    heard: &tokio::sync::mpsc::Sender<Change>,
    resume: &mut Option<String>,
    stop: impl Future<Output = ()>,
) -> Result<(), Error> {
    follow(stream, &mut Filtered { filter, heard }, resume, stop).await
}

/// Where a stream's changes go: each one read, in order.
pub(crate) trait Sink {
    /// Takes one change; [`Error::Closed`] when nobody hears any more, which ends listening.
    fn hand(&mut self, change: Change) -> impl Future<Output = Result<(), Error>> + Send;

    /// A connection is being made (counted by the hub); nothing by default.
    fn connecting(&mut self) {}
}

/// [`listen`]'s sink: the changes a filter keeps, sent on with backpressure.
struct Filtered<'a> {
    filter: &'a Filter,
    heard: &'a tokio::sync::mpsc::Sender<Change>,
}

impl Sink for Filtered<'_> {
    async fn hand(&mut self, change: Change) -> Result<(), Error> {
        if self.filter.keeps(&change) {
            self.heard.send(change).await.map_err(|_| Error::Closed)?;
        }
        Ok(())
    }
}

/// [`listen`] with every change handed to `sink`, unfiltered: the loop both the filtered
/// listener and the hub's one shared connection run.
pub(crate) async fn follow(
    stream: &Stream,
    sink: &mut impl Sink,
    resume: &mut Option<String>,
    stop: impl Future<Output = ()>,
) -> Result<(), Error> {
    let http = reqwest::Client::builder()
        .user_agent(stream.user_agent.as_str())
        .connect_timeout(stream.connect_timeout)
        .build()
        .map_err(Error::Client)?;
    let mut stop = pin!(stop);
    let mut delay = stream.first_delay;
    loop {
        let mut read = false;
        let ended = tokio::select! {
            () = &mut stop => return Ok(()),
            ended = connection(&http, stream, sink, resume, &mut read) => ended,
        };
        // `connection` only ever ends with why it did.
        let Err(error) = ended;
        if let Error::Closed = error {
            return Err(error);
        }
        if read {
            delay = stream.first_delay;
        }
        tracing::warn!(%error, url = %stream.url, ?delay, resume = resume.as_deref(), "stream lost; reconnecting");
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(stream.max_delay);
    }
}

/// One connection, read until it fails; `read` is set once it yields an event.
async fn connection(
    http: &reqwest::Client,
    stream: &Stream,
    sink: &mut impl Sink,
    resume: &mut Option<String>,
    read: &mut bool,
) -> Result<std::convert::Infallible, Error> {
    sink.connecting();
    let mut request = http.get(&stream.url).header(ACCEPT, "text/event-stream");
    if let Some(id) = resume.as_deref() {
        // An id the server sent that is no header value cannot be sent back: start afresh.
        match HeaderValue::from_str(id) {
            Ok(value) => request = request.header("Last-Event-ID", value),
            Err(_) => tracing::warn!(id, "last event id is not a header value; not resuming"),
        }
    }
    // Not reqwest's request timeout, which would also end the endless body: the headers are
    // bounded here, the body by `idle` below.
    let mut response = tokio::time::timeout(stream.connect_timeout, request.send())
        .await
        .map_err(|_| Error::NoAnswer(stream.connect_timeout))?
        .map_err(Error::Http)?;
    if !response.status().is_success() {
        return Err(Error::Status(response.status().as_u16()));
    }
    let kind = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    if !kind.trim_start().starts_with("text/event-stream") {
        return Err(Error::NotEventStream(kind));
    }
    let mut parser = Parser::resuming(resume.clone());
    loop {
        let chunk = tokio::time::timeout(stream.idle, response.chunk())
            .await
            .map_err(|_| Error::Idle(stream.idle))?
            .map_err(Error::Http)?
            .ok_or(Error::Ended)?;
        for event in parser.feed(&chunk) {
            *read = true;
            match Change::parse(&event.data) {
                Ok(change) => sink.hand(change).await?,
                Err(error) => {
                    tracing::warn!(%error, id = event.id.as_deref(), "unreadable event skipped");
                }
            }
            *resume = event.id;
        }
        // Also moved by events with no data or dropped as too large.
        *resume = parser.last_event_id().map(str::to_owned);
    }
}
