//! The on-wiki error log's entries: problems a maintainer can act on, each about one page or
//! user, with a short message and never anything secret.
//!
//! Whoever notices a problem builds an [`ErrorLogEntry`] and puts it on the bus; the notifier
//! publishes the newest entries as a table on the log page. An entry's texts are bounded when it
//! is built ([`ErrorLogEntry::new`]) and again when read back ([`ErrorLogEntry::bounded`]), as
//! an entry read from Redis may have been written by anyone.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// The longest subject (a page title or user name; MediaWiki's titles stop at 255 bytes) kept.
pub const MAX_SUBJECT_CHARS: usize = 255;
/// The longest message kept: a sentence or two, never a dump.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// What kind of problem an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A settings revision could not be used (which line, what is wrong).
    Settings,
    /// A mentor's template on their profile holds a value MatchBot cannot use.
    MentorTemplate,
    /// A talk page could not be edited because it is protected.
    ProtectedTalkPage,
    /// A learner was not greeted or nudged: `{{nobots}}`, `{{bots}}` or the do-not-contact list.
    Skipped,
    /// The bot account's daily edit cap was reached; the rest waits for the next day.
    EditCap,
    /// An entry on a stream could not be handled and went to the dead-letter stream.
    DeadLetter,
}

impl ErrorKind {
    /// How the log page names the kind.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Settings => "settings",
            ErrorKind::MentorTemplate => "mentor template",
            ErrorKind::ProtectedTalkPage => "protected talk page",
            ErrorKind::Skipped => "skipped",
            ErrorKind::EditCap => "daily edit cap",
            ErrorKind::DeadLetter => "dead letter",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One line of the error log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorLogEntry {
    /// When the problem was noticed.
    pub at: Timestamp,
    /// What kind of problem it is.
    pub kind: ErrorKind,
    /// The page or user it is about, if any.
    pub subject: Option<String>,
    /// What is wrong, for a maintainer: a plain sentence, never a secret or a stack trace.
    pub message: String,
}

impl ErrorLogEntry {
    /// An entry with its texts cut to [`MAX_SUBJECT_CHARS`] and [`MAX_MESSAGE_CHARS`].
    pub fn new(
        at: Timestamp,
        kind: ErrorKind,
        subject: Option<&str>,
        message: &str,
    ) -> ErrorLogEntry {
        ErrorLogEntry {
            at,
            kind,
            subject: subject.map(|s| cut(s, MAX_SUBJECT_CHARS)),
            message: cut(message, MAX_MESSAGE_CHARS),
        }
    }

    /// The same entry with its texts cut to the bounds: for one read back from outside.
    pub fn bounded(&self) -> ErrorLogEntry {
        ErrorLogEntry::new(self.at, self.kind, self.subject.as_deref(), &self.message)
    }
}

/// `text` cut to at most `max` characters, with `…` in place of what was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(max.saturating_sub(1)).collect();
    kept.push('…');
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        Timestamp::parse("2026-12-03T12:00:00Z").unwrap()
    }

    #[test]
    fn texts_are_cut_when_built_and_when_read_back() {
        let long = "x".repeat(10_000);
        let entry = ErrorLogEntry::new(at(), ErrorKind::Skipped, Some(&long), &long);
        assert_eq!(
            entry.subject.as_ref().unwrap().chars().count(),
            MAX_SUBJECT_CHARS
        );
        assert_eq!(entry.message.chars().count(), MAX_MESSAGE_CHARS);
        assert!(entry.message.ends_with('…'));

        let read: ErrorLogEntry = serde_json::from_str(&format!(
            r#"{{"at":"2026-12-03T12:00:00Z","kind":"dead_letter","subject":null,"message":"{long}"}}"#
        ))
        .unwrap();
        assert_eq!(read.kind, ErrorKind::DeadLetter);
        assert_eq!(read.bounded().message.chars().count(), MAX_MESSAGE_CHARS);
    }

    #[test]
    fn short_texts_are_kept_whole() {
        let entry = ErrorLogEntry::new(at(), ErrorKind::EditCap, None, "cap reached");
        assert_eq!(entry.message, "cap reached");
        assert_eq!(entry.bounded(), entry);
    }

    #[test]
    fn the_kinds_are_written_in_snake_case() {
        let entry =
            ErrorLogEntry::new(at(), ErrorKind::ProtectedTalkPage, Some("User talk:A"), "m");
        let json = serde_json::to_string(&entry).unwrap();
        assert!(json.contains(r#""kind":"protected_talk_page""#), "{json}");
        let back: ErrorLogEntry = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entry);
    }
}
