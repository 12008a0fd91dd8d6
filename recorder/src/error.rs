//! What stops the recorder, or makes it wait.

use matchbot_bus::BusError;
use matchbot_db::DbError;
use matchbot_runtime::Transient;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    /// MySQL failed, or the schema is not the one this build writes.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl Transient for RecorderError {
    fn is_transient(&self) -> bool {
        match self {
            RecorderError::Db(e) => e.is_transient(),
            RecorderError::Bus(e) => e.is_transient(),
        }
    }
}
