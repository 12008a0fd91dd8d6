//! The reader's getters for numbers: counts, days and durations, each checked for its range.

use serde_json::Value;

use crate::reader::{Reader, kind};

impl Reader<'_> {
    pub(crate) fn opt_u64(&mut self, key: &str) -> Option<u64> {
        let value = self.lookup(key)?;
        self.u64_in(key, value)
    }

    pub(crate) fn opt_u32(&mut self, key: &str) -> Option<u32> {
        let value = self.lookup(key)?;
        self.u32_in(key, value)
    }

    /// `value`, found at `key`, as a whole number. For values found by walking a map whose keys
    /// are names (a user name may hold a dot, which a dotted key cannot say).
    pub(crate) fn u64_in(&mut self, key: &str, value: &Value) -> Option<u64> {
        match value {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            other => {
                self.problem(
                    key,
                    format!("must be a whole number of at least 0, not {}", kind(other)),
                );
                None
            }
        }
    }

    /// `value`, found at `key`, as a whole number that fits 32 bits.
    pub(crate) fn u32_in(&mut self, key: &str, value: &Value) -> Option<u32> {
        let n = self.u64_in(key, value)?;
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(key, format!("{n} is too large"));
                None
            }
        }
    }

    /// A number of days, at least 1 and at most about 27 years.
    pub(crate) fn opt_days(&mut self, key: &str) -> Option<u32> {
        let days = self.opt_u32(key)?;
        if (1..=10_000).contains(&days) {
            Some(days)
        } else {
            self.problem(
                key,
                format!("must be a number of days from 1 to 10000, not {days}"),
            );
            None
        }
    }

    /// A duration in seconds, above 0.
    pub(crate) fn opt_seconds(&mut self, key: &str) -> Option<f64> {
        self.seconds(key, false)
    }

    /// A duration in seconds where 0 means "no wait" (for tests).
    pub(crate) fn opt_seconds_or_zero(&mut self, key: &str) -> Option<f64> {
        self.seconds(key, true)
    }

    pub(crate) fn seconds(&mut self, key: &str, zero_allowed: bool) -> Option<f64> {
        let value = self.lookup(key)?;
        let ok = value
            .as_f64()
            .filter(|s| *s < 1e9 && (*s > 0.0 || (zero_allowed && *s == 0.0)));
        if ok.is_none() {
            let expected = if zero_allowed {
                "a number of seconds, 0 or more"
            } else {
                "a number of seconds above 0"
            };
            let message = format!("must be {expected}, not {}", kind(value));
            self.problem(key, message);
        }
        ok
    }
}
