//! Hearing the wiki's changes instead of asking for them (`scanner.push`): a feed wakes the
//! poll. A change that concerns the Co-op makes the scanner poll at once, and again shortly
//! after (the wiki tells its feed before the change is committed where the API reads it; see
//! BENCHMARKS.md for what the follow-ups gained); with
//! nothing heard, it polls only every `heartbeat_seconds`, for what a feed lost.

use std::collections::VecDeque;
use std::time::Duration;

use matchbot_config::{Feed, PushConfig};
use std::sync::OnceLock;

use matchbot_feed::{Filter, Hub, Source, Subscription};
use matchbot_runtime::Shutdown;
use tokio::time::Instant;

use crate::scan::Scanner;

/// After a change is heard: the polls that follow it up, from the change.
const FOLLOW_UPS: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_millis(1000),
];

/// A feed being heard, and the polls it has made due.
pub(crate) struct Push {
    heard: Subscription,
    follow_ups: VecDeque<Instant>,
    config: PushConfig,
}

/// The process's one hub: every programme a scanner serves subscribes to it, so one
/// EventStreams connection (or one UDP socket) is heard for all of them.
fn hub() -> &'static Hub {
    static HUB: OnceLock<Hub> = OnceLock::new();
    HUB.get_or_init(Hub::new)
}

impl Push {
    /// Starts hearing `config`'s feed with `filter`; `None` (the scanner polls as without a
    /// feed) when it cannot be heard.
    pub(crate) async fn start(
        config: &PushConfig,
        filter: Filter,
        user_agent: &str,
    ) -> Option<Push> {
        let source = match &config.feed {
            Feed::RcFeedUdp(address) => Source::RcFeedUdp(*address),
            Feed::EventStreams(url) => Source::eventstreams(url.clone(), user_agent),
        };
        match hub().subscribe(source, filter).await {
            Ok(heard) => {
                match &config.feed {
                    Feed::RcFeedUdp(address) => {
                        tracing::info!(%address, "hearing the wiki's RCFeed")
                    }
                    Feed::EventStreams(url) => {
                        tracing::info!(%url, "hearing Wikimedia's EventStreams")
                    }
                }
                Some(Push {
                    heard,
                    follow_ups: VecDeque::new(),
                    config: config.clone(),
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot hear the feed: polling instead");
                None
            }
        }
    }

    /// The settings it was started with.
    pub(crate) fn config(&self) -> &PushConfig {
        &self.config
    }

    /// Changes what the feed listens for (the categories can change with the settings page).
    pub(crate) fn set_filter(&self, filter: Filter) {
        self.heard.set_filter(filter);
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
                while self.heard.try_recv().is_some() {}
                tracing::debug!(title = %change.title, kind = %change.kind, "heard a change: polling");
                let now = Instant::now();
                self.follow_ups = FOLLOW_UPS.iter().map(|d| now + *d).collect();
                shutdown.is_shutdown()
            }
        }
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
