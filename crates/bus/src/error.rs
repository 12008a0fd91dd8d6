//! What can go wrong on the bus, and which of it is an outage.

/// What can go wrong talking to the bus.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// Redis refused a command or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A payload could not be encoded as JSON (a bug: every payload type serialises).
    #[error("cannot encode a stream payload: {0}")]
    Encode(#[from] serde_json::Error),
    /// A value MatchBot keeps in Redis is not what it wrote (another version wrote it, or
    /// someone else did).
    #[error("the {what} in Redis is not valid: {source}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// Why it does not read.
        source: serde_json::Error,
    },
}

impl BusError {
    /// True when Redis is unreachable, restarting or still loading its data: the same command
    /// will work once it is back. False for a refusal that will not change by waiting.
    pub fn is_transient(&self) -> bool {
        match self {
            BusError::Redis(e) => is_transient(e),
            BusError::Encode(_) | BusError::Corrupt { .. } => false,
        }
    }
}

/// [`BusError::is_transient`] for a bare Redis error.
pub(crate) fn is_transient(e: &redis::RedisError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
        || matches!(
            e.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::ReadOnly
            )
        )
}
