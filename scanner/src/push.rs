//! Hearing the wiki's changes instead of asking for them (`scanner.push`): a feed wakes the
//! poll. A change that concerns the Co-op makes the scanner poll at once, and again shortly
//! after (the wiki tells its feed before the change is committed where the API reads it; see
//! BENCHMARKS.md for what the follow-ups gained); with
//! nothing heard, it polls only every `heartbeat_seconds`, for what a feed lost.

use std::collections::VecDeque;
use std::time::Duration;

use matchbot_config::{Feed, PushConfig};
use matchbot_feed::{Filter, eventstreams, rcfeed};
use matchbot_runtime::Shutdown;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::scan::Scanner;

/// After a change is heard: the polls that follow it up, from the change.
const FOLLOW_UPS: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_millis(1000),
];

/// How many changes wait to be acted on; more are one wake-up anyway.
const QUEUE: usize = 64;

/// A feed being heard, and the polls it has made due.
pub(crate) struct Push {
    heard: mpsc::Receiver<matchbot_feed::Change>,
    filter: watch::Sender<Filter>,
    listener: JoinHandle<()>,
    follow_ups: VecDeque<Instant>,
    config: PushConfig,
}

impl Push {
    /// Starts hearing `config`'s feed with `filter`; `None` (the scanner polls as without a
    /// feed) when it cannot be heard.
    pub(crate) async fn start(
        config: &PushConfig,
        filter: Filter,
        user_agent: &str,
    ) -> Option<Push> {
        let (tell, heard) = mpsc::channel(QUEUE);
        let (set_filter, filter) = watch::channel(filter);
        let listener = match &config.feed {
            Feed::RcFeedUdp(address) => match rcfeed::bind(*address).await {
                Ok(socket) => {
                    tracing::info!(%address, "hearing the wiki's RCFeed");
                    tokio::spawn(rcfeed::listen(socket, filter, tell))
                }
                Err(e) => {
                    tracing::warn!(%address, error = %e, "cannot listen for the RCFeed: polling instead");
                    return None;
                }
            },
            Feed::EventStreams(url) => {
                tracing::info!(%url, "hearing Wikimedia's EventStreams");
                let stream = eventstreams::Stream::new(url.clone(), user_agent);
                tokio::spawn(hear_eventstreams(stream, filter, tell))
            }
        };
        Some(Push {
            heard,
            filter: set_filter,
            listener,
            follow_ups: VecDeque::new(),
            config: config.clone(),
        })
    }

    /// The settings it was started with.
    pub(crate) fn config(&self) -> &PushConfig {
        &self.config
    }

    /// Changes what the feed listens for (the categories can change with the settings page).
    pub(crate) fn set_filter(&self, filter: Filter) {
        self.filter.send_if_modified(|current| {
            let changed = *current != filter;
            *current = filter;
            changed
        });
    }

    /// Waits until the next poll is due: a change heard, a follow-up poll, or the heartbeat,
    /// and at most `longest` (until the scanner has something else to do). True when
    /// `shutdown` came first.
    pub(crate) async fn wait(&mut self, shutdown: &Shutdown, longest: Duration) -> bool {
        let due = self
            .follow_ups
            .front()
            .copied()
            .unwrap_or_else(|| Instant::now() + self.config.heartbeat);
        let wait = due.saturating_duration_since(Instant::now()).min(longest);
        tokio::select! {
            stopped = shutdown.sleep(wait) => {
                self.follow_ups.retain(|at| *at > Instant::now());
                stopped
            }
            Some(change) = self.heard.recv() => {
                // What else arrived meanwhile is the same wake-up.
                while self.heard.try_recv().is_ok() {}
                tracing::debug!(title = %change.title, kind = %change.kind, "heard a change: polling");
                let now = Instant::now();
                self.follow_ups = FOLLOW_UPS.iter().map(|d| now + *d).collect();
                shutdown.is_shutdown()
            }
        }
    }
}

/// Hears `stream` until nobody listens, with the filter `filter` holds now: a new filter starts
/// the stream again from the last event heard, so nothing falls in between.
async fn hear_eventstreams(
    stream: eventstreams::Stream,
    mut filter: watch::Receiver<Filter>,
    tell: matchbot_feed::Heard,
) {
    let mut resume = None;
    loop {
        let now = filter.borrow_and_update().clone();
        let changed = async {
            if filter.changed().await.is_err() {
                // Nobody sets the filter any more: hear on with this one.
                std::future::pending::<()>().await;
            }
        };
        match eventstreams::listen(&stream, &now, &tell, &mut resume, changed).await {
            Ok(()) => continue,
            Err(e) => {
                tracing::info!(error = %e, "no longer hearing EventStreams");
                return;
            }
        }
    }
}

impl Drop for Push {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl Scanner<'_> {
    /// What a feed should wake this scanner for: its categories' changes and edits of the
    /// pages it watches, on its own wiki.
    pub(crate) fn feed_filter(&self, config: &PushConfig) -> Filter {
        Filter {
            wiki: config.wiki.clone(),
            server_name: config.server_name.clone(),
            categories: self.categories().into_iter().map(str::to_owned).collect(),
            pages: self.kept_pages().cloned().collect(),
        }
    }
}
