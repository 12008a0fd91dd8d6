//! The optional `scanner` section: how often the scanner polls and reconciles.

use std::time::Duration;

use matchbot_model::Timestamp;

use crate::push::{self, PushConfig};
use crate::reader::Reader;

/// The scanner's settings.
#[derive(Debug, Clone)]
pub struct ScannerConfig {
    /// `scanner.poll_seconds`: pause between two polls of the watchlist (default 5).
    pub poll_interval: Duration,
    /// `scanner.since`: where a first scan starts when `--since` is not given (else: now).
    pub since: Option<Timestamp>,
    /// `scanner.overlap_seconds`: how far behind its cursor each poll looks again, for category
    /// changes the wiki notes late (its job queue, replica lag); default 120.
    pub overlap: Duration,
    /// `scanner.reconcile_seconds`: how often the scanner lists every request and mentor
    /// category in full, re-finds any request not yet handled, re-reads the mentor pool and
    /// its blocks, and checks its categories are still watched (default 3600; also at start).
    pub reconcile_interval: Duration,
    /// `scanner.reemit_after_seconds`: a request handed out this long ago that still has no
    /// row in `matches` (its decision or outcome was lost, e.g. to eviction) is handed out
    /// again by the next reconcile; the stages after it are idempotent (default 21600, 6 h).
    pub reemit_after: Duration,
    /// `scanner.request_cooldown_seconds`: two requests of one learner for one request category
    /// whose category was added this close together are one request: the later is not handed
    /// out, however often the category is taken off and put back, on however many profiles
    /// (default 604800, a week).
    pub request_cooldown: Duration,
    /// `scanner.max_open_requests`: the most requests of one learner handed out and not yet
    /// recorded in `matches`; a request beyond it waits for a later reconcile (default 3).
    pub max_open_requests: u32,
    /// `scanner.push`: a feed of the wiki's changes that wakes the scanner; none by default.
    pub push: Option<PushConfig>,
}

impl Default for ScannerConfig {
    fn default() -> ScannerConfig {
        ScannerConfig {
            poll_interval: Duration::from_secs(5),
            since: None,
            overlap: Duration::from_secs(120),
            reconcile_interval: Duration::from_secs(3600),
            reemit_after: Duration::from_secs(6 * 3600),
            request_cooldown: Duration::from_secs(7 * 86_400),
            max_open_requests: 3,
            push: None,
        }
    }
}

/// Reads the section.
pub(crate) fn read(r: &mut Reader) -> Option<ScannerConfig> {
    let defaults = ScannerConfig::default();
    r.section("scanner");
    let seconds = |r: &mut Reader, key: &str, default: Duration| {
        r.opt_seconds(key).map_or(default, Duration::from_secs_f64)
    };
    let poll_interval = seconds(r, "scanner.poll_seconds", defaults.poll_interval);
    let overlap = seconds(r, "scanner.overlap_seconds", defaults.overlap);
    let reconcile_interval = seconds(r, "scanner.reconcile_seconds", defaults.reconcile_interval);
    let reemit_after = seconds(r, "scanner.reemit_after_seconds", defaults.reemit_after);
    let request_cooldown = seconds(
        r,
        "scanner.request_cooldown_seconds",
        defaults.request_cooldown,
    );
    let max_open_requests = match r.opt_u32("scanner.max_open_requests") {
        Some(0) => {
            r.problem(
                "scanner.max_open_requests",
                "must be at least 1: with 0 no learner could ask for help",
            );
            defaults.max_open_requests
        }
        Some(n) => n,
        None => defaults.max_open_requests,
    };
    let since = r
        .opt_string("scanner.since")
        .and_then(|s| match Timestamp::parse(&s) {
            Ok(t) => Some(t),
            Err(e) => {
                r.problem("scanner.since", e);
                None
            }
        });
    let push = push::read(r);
    Some(ScannerConfig {
        push: push?,
        poll_interval,
        since,
        overlap,
        reconcile_interval,
        reemit_after,
        request_cooldown,
        max_open_requests,
    })
}
