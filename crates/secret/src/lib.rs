//! A string that never prints.
//!
//! [`Secret`] holds a BotPassword, an OAuth 2 token, a session's csrf token, a database password,
//! the Redis URL (which may carry a password) or the Redis key prefix (on Toolforge's shared Redis
//! the only thing keeping other tools out). Its `Debug` and `Display` print `[redacted]`, so a
//! secret inside a configuration, a client or an error cannot reach a log line by accident; the
//! value itself is only reachable through [`Secret::expose`], which makes every place that sends
//! it somewhere easy to find.
#![deny(missing_docs)]

use std::fmt;

/// A password, token or other value that must never reach a log line, an error or a trace.
///
/// `Debug` and `Display` print `[redacted]`; the value is only reachable through
/// [`Secret::expose`], so every place that sends it somewhere is easy to find.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that has to send it (a login, a connection URL).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when no secret was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("hunter2hunter2");
        assert_eq!(format!("{s:?} {s}"), "[redacted] [redacted]");
        assert_eq!(s.expose(), "hunter2hunter2");
    }
}
