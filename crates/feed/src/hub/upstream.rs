//! One upstream listener: the EventStreams connection or the UDP socket of one source, reading
//! every change unfiltered and handing each to the subscribers whose filter keeps it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::task::JoinHandle;

use super::registry::Registry;
use crate::eventstreams::{self, Sink};
use crate::{Change, rcfeed};

/// What a listener has done so far, for logs and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Subscribers now.
    pub subscribers: usize,
    /// Connections made to the stream (each reconnect counts), or sockets bound (one).
    pub connections: u64,
    /// Changes read, whoever they were for.
    pub heard: u64,
    /// Filters the changes were checked against (the index keeps this near the subscribers of
    /// each change's wiki, not all of them).
    pub checked: u64,
    /// Changes queued for a subscriber (one change kept by two counts twice).
    pub queued: u64,
    /// Changes a subscriber's filter kept while its queue was full, so not queued again.
    pub full: u64,
}

/// What the listener's task and the subscriptions share.
#[derive(Default)]
pub(crate) struct Shared {
    registry: RwLock<Registry>,
    connections: AtomicU64,
    heard: AtomicU64,
    checked: AtomicU64,
    queued: AtomicU64,
    full: AtomicU64,
}

impl Shared {
    // A panic while the lock was held leaves the index whole (each change is a single
    // insert or remove), so a poisoned lock is used as it is.
    pub(crate) fn registry(&self) -> RwLockWriteGuard<'_, Registry> {
        self.registry
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn reading(&self) -> RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn dispatch(&self, change: &Change) {
        let done = self.reading().dispatch(change);
        self.heard.fetch_add(1, Ordering::Relaxed);
        self.checked
            .fetch_add(done.checked as u64, Ordering::Relaxed);
        self.queued.fetch_add(done.queued as u64, Ordering::Relaxed);
        self.full.fetch_add(done.full as u64, Ordering::Relaxed);
        if done.queued > 0 {
            tracing::debug!(title = %change.title, kind = %change.kind, wiki = %change.wiki, subscribers = done.queued, "heard a change");
        }
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            subscribers: self.reading().len(),
            connections: self.connections.load(Ordering::Relaxed),
            heard: self.heard.load(Ordering::Relaxed),
            checked: self.checked.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
            full: self.full.load(Ordering::Relaxed),
        }
    }
}

/// A running listener.
pub(crate) struct Upstream {
    pub(crate) shared: Arc<Shared>,
    pub(crate) task: JoinHandle<()>,
}

impl Upstream {
    /// Whether it still listens (it ends only when its HTTP client cannot be built).
    pub(crate) fn alive(&self) -> bool {
        !self.task.is_finished()
    }
}

/// Binds `address` now (so a failure is the subscriber's error, not a log line) and listens
/// on it until aborted.
pub(crate) fn udp(address: std::net::SocketAddr) -> std::io::Result<Upstream> {
    // Bound synchronously, under the hub's lock: two subscribers of one address cannot both
    // try to bind it.
    let socket = std::net::UdpSocket::bind(address)?;
    socket.set_nonblocking(true)?;
    let socket = tokio::net::UdpSocket::from_std(socket)?;
    let shared = Arc::new(Shared::default());
    shared.connections.fetch_add(1, Ordering::Relaxed);
    let hears = Arc::clone(&shared);
    let task = tokio::spawn(async move {
        let hand = |change: Change| hears.dispatch(&change);
        rcfeed::receive(&socket, hand, std::future::pending()).await;
    });
    Ok(Upstream { shared, task })
}

/// Listens to `stream` until aborted, resuming after each lost connection from the last id.
pub(crate) fn eventstreams(stream: eventstreams::Stream) -> Upstream {
    let shared = Arc::new(Shared::default());
    let hears = Arc::clone(&shared);
    let task = tokio::spawn(async move {
        let mut resume = None;
        let mut sink = Dispatch(Arc::clone(&hears));
        let ended = eventstreams::follow(&stream, &mut sink, &mut resume, std::future::pending());
        if let Err(error) = ended.await {
            tracing::warn!(%error, url = %stream.url, "no longer hearing EventStreams");
        }
        // Each subscriber's `recv` ends, so it knows to poll without the feed.
        hears.registry().close();
    });
    Upstream { shared, task }
}

/// The hub's sink: each change dispatched at once, never waiting on a subscriber.
struct Dispatch(Arc<Shared>);

impl Sink for Dispatch {
    async fn hand(&mut self, change: Change) -> Result<(), eventstreams::Error> {
        self.0.dispatch(&change);
        Ok(())
    }

    fn connecting(&mut self) {
        self.0.connections.fetch_add(1, Ordering::Relaxed);
    }
}
