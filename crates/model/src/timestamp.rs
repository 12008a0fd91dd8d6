//! Time as MediaWiki writes it.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time as MediaWiki writes it (`2026-11-21T13:52:00Z`), always UTC, whole seconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses an RFC 3339 / ISO 8601 time such as MediaWiki's `2026-11-21T13:52:00Z`.
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Timestamp::from_datetime)
            .map_err(|e| format!("\"{text}\" is not a timestamp like 2026-11-21T13:52:00Z ({e})"))
    }

    /// The current time, to the second.
    pub fn now() -> Timestamp {
        Timestamp::from_datetime(OffsetDateTime::now_utc())
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// The time `seconds` later (earlier when negative).
    pub fn plus_seconds(&self, seconds: i64) -> Timestamp {
        Timestamp(self.0 + time::Duration::seconds(seconds))
    }

    /// `YYYY-MM-DD`: the UTC day, as daily limits count.
    pub fn day(&self) -> String {
        let d = self.0.date();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    /// `YYYYMMDDHHMMSS`, MediaWiki's database form; used inside request ids.
    pub fn compact(&self) -> String {
        self.written(["", "", ""])
    }

    /// `YYYY-MM-DD HH:MM:SS`, MySQL's DATETIME form.
    pub fn sql(&self) -> String {
        self.written(["-", " ", ":"])
    }

    /// The date and the time of day, with `date` between the date's parts, `middle` between
    /// date and time, and `time` between the time's parts.
    fn written(&self, [date, middle, time]: [&str; 3]) -> String {
        let t = self.0;
        format!(
            "{:04}{date}{:02}{date}{:02}{middle}{:02}{time}{:02}{time}{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    fn from_datetime(t: OffsetDateTime) -> Timestamp {
        let t = t.to_offset(time::UtcOffset::UTC);
        Timestamp(t.replace_nanosecond(0).unwrap_or(t))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0.unix_timestamp()),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Timestamp::parse(&s)
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_in_mediawiki_form() {
        let t = Timestamp::parse("2026-11-21T13:52:07Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-21T13:52:07Z");
        assert_eq!(t.sql(), "2026-11-21 13:52:07");
        assert_eq!(t.compact(), "20261121135207");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-11-21T13:52:07Z\""
        );
        assert!(Timestamp::parse("yesterday").is_err());
    }
}
