//! What stops the matcher, or makes it wait.

use matchbot_bus::BusError;
use matchbot_runtime::Transient;

/// What went wrong, beyond one request.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// The scanner has not written a mentor pool yet (or Redis lost it).
    #[error("no mentor pool in Redis yet: the scanner writes it before its first request")]
    NoPool,
    /// The stored mentor pool is not readable (a scanner of another version wrote it?).
    #[error("the mentor pool in Redis is not valid: {0}")]
    BadPool(serde_json::Error),
    /// The stored mentor pool is not signed with MatchBot's key: someone else wrote it.
    #[error("the mentor pool in Redis is not MatchBot's ({0}); it is not used")]
    ForgedPool(String),
}

impl Transient for MatcherError {
    /// A missing or unreadable pool is waited out: the scanner writes a new one at its next
    /// reconcile (`scanner.reconcile_seconds`, and at start), and deciding without one would
    /// dead-letter every request.
    fn is_transient(&self) -> bool {
        match self {
            MatcherError::Bus(e) => e.is_transient(),
            MatcherError::NoPool | MatcherError::BadPool(_) | MatcherError::ForgedPool(_) => true,
        }
    }
}
