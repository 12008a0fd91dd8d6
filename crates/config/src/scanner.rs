//! The optional `scanner` section: how often the scanner polls and reconciles.

use std::time::Duration;

use matchbot_model::Timestamp;

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
}

impl Default for ScannerConfig {
    fn default() -> ScannerConfig {
        ScannerConfig {
            poll_interval: Duration::from_secs(5),
            since: None,
            overlap: Duration::from_secs(120),
            reconcile_interval: Duration::from_secs(3600),
            reemit_after: Duration::from_secs(6 * 3600),
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
    let since = r
        .opt_string("scanner.since")
        .and_then(|s| match Timestamp::parse(&s) {
            Ok(t) => Some(t),
            Err(e) => {
                r.problem("scanner.since", e);
                None
            }
        });
    Some(ScannerConfig {
        poll_interval,
        since,
        overlap,
        reconcile_interval,
        reemit_after,
    })
}
