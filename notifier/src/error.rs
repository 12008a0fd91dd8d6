//! What stops the notifier, or makes it wait.

use matchbot_bus::BusError;
use matchbot_runtime::Transient;

/// What went wrong, beyond one page.
#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    /// The wiki failed as a whole (after the client's own retries).
    #[error("wiki: {0}")]
    Wiki(#[from] matchbot_wiki::Error),
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl Transient for NotifierError {
    fn is_transient(&self) -> bool {
        match self {
            NotifierError::Wiki(e) => e.is_transient(),
            NotifierError::Bus(e) => e.is_transient(),
        }
    }
}
