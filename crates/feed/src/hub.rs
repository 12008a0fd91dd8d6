//! One process hearing for many programmes: each subscribes with its feed's [`Source`] and its
//! [`Filter`], and the [`Hub`] runs one upstream listener per distinct source (one EventStreams
//! connection per URL, one UDP socket per address), however many subscribe. Filtering is done
//! here, per change, so a subscriber's new filter takes effect at once, without reconnecting.
//!
//! - `registry`: the subscribers of one upstream, indexed by wiki so that a change costs the
//!   filters of its wiki, not every filter.
//! - `upstream`: the listener of one source and its counters.

mod registry;
mod upstream;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use reqwest::header::HeaderValue;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::{Change, Filter, eventstreams};
pub use upstream::Stats;
use upstream::{Shared, Upstream};

/// How many changes wait in a subscription's queue by default; more are one wake-up anyway.
pub const QUEUE: usize = 64;

/// A feed of changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Wikimedia's EventStreams: one connection per URL, shared by every subscriber of it (the
    /// first subscriber's delays and User-Agent are the ones used).
    EventStreams(eventstreams::Stream),
    /// A MediaWiki's RCFeed, heard on this UDP address.
    RcFeedUdp(SocketAddr),
}

impl Source {
    /// EventStreams at `url` with the usual delays ([`eventstreams::Stream::new`]).
    pub fn eventstreams(url: impl Into<String>, user_agent: impl Into<String>) -> Source {
        Source::EventStreams(eventstreams::Stream::new(url, user_agent))
    }

    fn key(&self) -> Key {
        match self {
            Source::EventStreams(stream) => Key::Url(stream.url.clone()),
            Source::RcFeedUdp(address) => Key::Udp(*address),
        }
    }
}

/// What makes two sources one upstream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Url(String),
    Udp(SocketAddr),
}

/// Why a subscription could not be made; the caller polls without a feed.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The RCFeed's address cannot be bound.
    #[error("cannot listen for the RCFeed on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The User-Agent cannot be sent as a header.
    #[error("the User-Agent {0:?} is not a header value")]
    UserAgent(String),
}

/// The hearing of every programme in the process. Cheap to clone: clones are one hub.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    queue: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    upstreams: HashMap<Key, Upstream>,
    next_id: u64,
    /// UDP listeners aborted with their last subscriber, until their socket is closed: a new
    /// subscriber of the address waits for it rather than failing to bind.
    stopping: HashMap<SocketAddr, JoinHandle<()>>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

impl Hub {
    /// A hub whose subscriptions queue up to [`QUEUE`] changes each.
    pub fn new() -> Hub {
        Hub::with_queue(QUEUE)
    }

    /// A hub whose subscriptions queue up to `queue` changes each (at least one).
    pub fn with_queue(queue: usize) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                queue: queue.max(1),
                state: Mutex::new(State::default()),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing done under the lock leaves the map half-changed.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts hearing `source` for one subscriber, keeping the changes `filter` keeps: joins the
    /// source's listener, or starts it (binding a UDP address now, so that a failure is
    /// returned here). Must be called within a Tokio runtime.
    pub async fn subscribe(
        &self,
        source: Source,
        filter: Filter,
    ) -> Result<Subscription, SubscribeError> {
        if let Source::EventStreams(stream) = &source
            && HeaderValue::from_str(&stream.user_agent).is_err()
        {
            return Err(SubscribeError::UserAgent(stream.user_agent.clone()));
        }
        if let Source::RcFeedUdp(address) = &source {
            let stopping = self.state().stopping.remove(address);
            if let Some(task) = stopping {
                // Aborted: ends as soon as it is next scheduled, closing the socket.
                let _ = task.await;
            }
        }
        let key = source.key();
        let (queue, heard) = mpsc::channel(self.inner.queue);
        let mut state = self.state();
        state.stopping.retain(|_, task| !task.is_finished());
        let id = state.next_id;
        state.next_id += 1;
        let shared = match state.upstreams.get(&key) {
            Some(upstream) if upstream.alive() => Arc::clone(&upstream.shared),
            _ => {
                let upstream = match &source {
                    Source::RcFeedUdp(address) => {
                        let upstream =
                            upstream::udp(*address).map_err(|source| SubscribeError::Bind {
                                address: *address,
                                source,
                            })?;
                        tracing::info!(%address, "hearing an RCFeed");
                        upstream
                    }
                    Source::EventStreams(stream) => {
                        tracing::info!(url = %stream.url, "hearing EventStreams");
                        upstream::eventstreams(stream.clone())
                    }
                };
                let shared = Arc::clone(&upstream.shared);
                state.upstreams.insert(key.clone(), upstream);
                shared
            }
        };
        shared.registry().insert(id, filter, queue);
        drop(state);
        Ok(Subscription {
            heard,
            id,
            key,
            source,
            shared,
            hub: self.clone(),
        })
    }

    /// What the listener of `source` has done, when one runs.
    pub fn stats(&self, source: &Source) -> Option<Stats> {
        let shared = Arc::clone(&self.state().upstreams.get(&source.key())?.shared);
        Some(shared.stats())
    }

    /// How many upstream listeners run.
    pub fn upstreams(&self) -> usize {
        self.state().upstreams.len()
    }

    /// Removes subscriber `id`, stopping its upstream when it was the last.
    fn unsubscribe(&self, key: &Key, id: u64, shared: &Arc<Shared>) {
        let mut state = self.state();
        let mut registry = shared.registry();
        registry.remove(id);
        let last = registry.len() == 0;
        drop(registry);
        // Only the upstream this subscriber joined: a dead one may have been replaced since.
        let current = state
            .upstreams
            .get(key)
            .is_some_and(|u| Arc::ptr_eq(&u.shared, shared));
        if !(last && current) {
            return;
        }
        if let Some(upstream) = state.upstreams.remove(key) {
            upstream.task.abort();
            tracing::info!(?key, "nobody hears this feed any more: stopped");
            if let Key::Udp(address) = key {
                state.stopping.insert(*address, upstream.task);
            }
        }
    }
}

/// One programme's hearing of its source. Dropping it unsubscribes.
pub struct Subscription {
    heard: mpsc::Receiver<Change>,
    id: u64,
    key: Key,
    source: Source,
    shared: Arc<Shared>,
    hub: Hub,
}

impl Subscription {
    /// The next change kept for this subscriber; `None` when the source is heard no longer
    /// (its listener ended), after which the caller polls without a feed.
    pub async fn recv(&mut self) -> Option<Change> {
        self.heard.recv().await
    }

    /// A change already waiting, if any (to drain what is one wake-up).
    pub fn try_recv(&mut self) -> Option<Change> {
        self.heard.try_recv().ok()
    }

    /// From now on, keeps what `filter` keeps. Changes already queued stay queued.
    pub fn set_filter(&self, filter: Filter) {
        self.shared.registry().set_filter(self.id, filter);
    }

    /// The source it hears, as given to [`Hub::subscribe`].
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// What its source's listener has done.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unsubscribe(&self.key, self.id, &self.shared);
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}
