//! What can go wrong on the bus, and which of it is an outage.

/// What can go wrong talking to the bus.
///
/// Its text never carries a key name: Redis quotes the key in some refusals (`NOGROUP No such
/// key '…'`), and key names are secret on a shared Redis, so quoted parts are left out.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// Redis refused a command or the connection failed.
    #[error("redis: {}", scrub(&.0.to_string()))]
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
    /// No connection of its own could be had for a transaction (the pool waited too long).
    #[error("no connection to Redis for a transaction: {0}")]
    NoConnection(String),
    /// The scanner's lease passed to another replica: this one must write nothing more.
    #[error("the {lease} lease is held by another replica now: this one stands by")]
    LeaseLost {
        /// Which lease.
        lease: &'static str,
    },
    /// The bus was given no key to sign with.
    #[error("no signing key: every stream entry is signed, so the bus cannot run without one")]
    NoSigningKey,
    /// A value MatchBot keeps in Redis is not signed with its key: someone else wrote it.
    #[error("the {what} in Redis is not MatchBot's and is not used: {why}")]
    Forged {
        /// Which value.
        what: &'static str,
        /// Why its signature does not hold.
        why: String,
    },
}

impl std::fmt::Debug for BusError {
    /// The same as `Display`: the derived form would print Redis's own text, key names and all.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// `text` with every part in single quotes (where Redis names a key or a group) replaced by
/// `'…'`.
fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        if c == '\'' {
            if !quoted {
                out.push_str("'…'");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

impl BusError {
    /// True when Redis answered that the stream or its consumer group does not exist, or
    /// woke a blocked read because the stream was deleted under it: the key was evicted or
    /// deleted, and the group must be made again.
    pub(crate) fn is_no_group(&self) -> bool {
        matches!(self, BusError::Redis(e) if matches!(e.code(), Some("NOGROUP" | "UNBLOCKED")))
    }

    /// True when Redis is unreachable, restarting or still loading its data: the same command
    /// will work once it is back. False for a refusal that will not change by waiting.
    pub fn is_transient(&self) -> bool {
        match self {
            BusError::Redis(e) => is_transient(e),
            BusError::NoConnection(_) => true,
            BusError::LeaseLost { .. }
            | BusError::Encode(_)
            | BusError::NoSigningKey
            | BusError::Corrupt { .. }
            | BusError::Forged { .. } => false,
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

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn quoted_key_names_are_left_out_of_error_texts() {
        assert_eq!(
            scrub("NOGROUP: No such key 'mb:1234:abcd' or consumer group 'notifier' in XREADGROUP"),
            "NOGROUP: No such key '…' or consumer group '…' in XREADGROUP"
        );
        assert_eq!(scrub("unterminated 'secret"), "unterminated '…'");
        assert_eq!(scrub("nothing quoted"), "nothing quoted");
    }
}
