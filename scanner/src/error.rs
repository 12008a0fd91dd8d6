//! What stops the scanner, or makes it wait.

use matchbot_bus::BusError;
use matchbot_db::DbError;
use matchbot_runtime::Transient;

/// What went wrong, beyond one page.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The wiki failed (after the client's own retries).
    #[error("wiki: {0}")]
    Wiki(#[from] matchbot_wiki::Error),
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// The match database failed (the reconcile reads which requests were handled).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A value could not be encoded (a bug).
    #[error("cannot encode: {0}")]
    Encode(serde_json::Error),
}

impl Transient for ScanError {
    fn is_transient(&self) -> bool {
        match self {
            ScanError::Wiki(e) => e.is_transient(),
            ScanError::Bus(e) => e.is_transient(),
            ScanError::Db(e) => e.is_transient(),
            ScanError::Encode(_) => false,
        }
    }
}
