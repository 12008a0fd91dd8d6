//! One recentchange event: the fields of Wikimedia's `mediawiki/recentchange` schema that
//! MatchBot reads, which MediaWiki core's JSON RCFeed formatter writes too (without `meta`).

use serde::Deserialize;

/// The largest event read; a larger one is refused unread (the biggest real ones, an edit with a
/// long comment, are a few KiB).
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// A change on a wiki.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Change {
    /// EventStreams' envelope; absent in an RCFeed's message.
    #[serde(default)]
    pub meta: Option<Meta>,
    /// `type`: `edit`, `new`, `log`, `categorize` or `external`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The namespace number (14 for a category).
    #[serde(default)]
    pub namespace: i64,
    /// The page, with its namespace and spaces (`Category:Co-op mentors`); for `categorize`,
    /// the category.
    pub title: String,
    /// The edit summary; for `categorize`, a localised sentence naming the page.
    #[serde(default)]
    pub comment: String,
    /// When, in Unix seconds.
    #[serde(default)]
    pub timestamp: i64,
    /// Who.
    #[serde(default)]
    pub user: String,
    /// The wiki's database name (`enwiki`).
    #[serde(default)]
    pub wiki: String,
    /// The wiki's host name (`en.wikipedia.org`).
    #[serde(default)]
    pub server_name: String,
}

/// EventStreams' envelope of an event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Meta {
    /// The event's own id (a UUID).
    #[serde(default)]
    pub id: String,
    /// When the event happened, ISO 8601.
    #[serde(default)]
    pub dt: String,
    /// The stream (`mediawiki.recentchange`).
    #[serde(default)]
    pub stream: String,
    /// The wiki's host name.
    #[serde(default)]
    pub domain: String,
}

/// Why a message is not a change MatchBot can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// Larger than [`MAX_EVENT_BYTES`].
    #[error("an event of {0} bytes, more than the {MAX_EVENT_BYTES} read")]
    TooLarge(usize),
    /// Not a recentchange event.
    #[error("not a recentchange event: {0}")]
    Unreadable(String),
}

impl Change {
    /// Reads one event's JSON.
    pub fn parse(json: &str) -> Result<Change, ChangeError> {
        if json.len() > MAX_EVENT_BYTES {
            return Err(ChangeError::TooLarge(json.len()));
        }
        serde_json::from_str(json).map_err(|e| ChangeError::Unreadable(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A categorize event as EventStreams sends it (fields of the documented schema).
    const CATEGORIZE: &str = r#"{"$schema":"/mediawiki/recentchange/1.0.0","meta":{"uri":"https://en.wikipedia.org/wiki/Category:Co-op_mentors","request_id":"b3f1","id":"5b7e6a0c-8c2e-4f43-9d6a-2f0d8d1c7a11","dt":"2026-12-03T10:00:01Z","domain":"en.wikipedia.org","stream":"mediawiki.recentchange","topic":"eqiad.mediawiki.recentchange","partition":0,"offset":5123456789},"id":1700000001,"type":"categorize","namespace":14,"title":"Category:Co-op mentors","title_url":"https://en.wikipedia.org/wiki/Category:Co-op_mentors","comment":"[[:Wikipedia:Co-op/Ada]] added to category","timestamp":1796292001,"user":"Ada","bot":false,"notify_url":"https://en.wikipedia.org/w/index.php?diff=1&oldid=0","server_url":"https://en.wikipedia.org","server_name":"en.wikipedia.org","server_script_path":"/w","wiki":"enwiki","parsedcomment":"…"}"#;

    #[test]
    fn an_eventstreams_categorize_event_reads() {
        let change = Change::parse(CATEGORIZE).unwrap();
        assert_eq!(change.kind, "categorize");
        assert_eq!(change.title, "Category:Co-op mentors");
        assert_eq!((change.namespace, change.timestamp), (14, 1_796_292_001));
        assert_eq!(
            (change.wiki.as_str(), change.server_name.as_str()),
            ("enwiki", "en.wikipedia.org")
        );
        let meta = change.meta.unwrap();
        assert_eq!(meta.id, "5b7e6a0c-8c2e-4f43-9d6a-2f0d8d1c7a11");
        assert_eq!(meta.dt, "2026-12-03T10:00:01Z");
    }

    #[test]
    fn an_rcfeed_message_reads_without_meta() {
        let json = r#"{"id":412,"type":"categorize","namespace":14,"title":"Category:Co-op mentors","comment":"[[:Wikipedia:Co-op/Ada]] added to category","timestamp":1796292001,"user":"Ada","bot":false,"server_url":"http://127.0.0.1:8181","server_name":"127.0.0.1","server_script_path":"","wiki":"matchbot_sandbox"}"#;
        let change = Change::parse(json).unwrap();
        assert!(change.meta.is_none());
        assert_eq!(change.wiki, "matchbot_sandbox");
    }

    #[test]
    fn what_is_not_an_event_or_too_large_is_refused() {
        assert!(matches!(
            Change::parse("{\"type\":1}"),
            Err(ChangeError::Unreadable(_))
        ));
        assert!(matches!(
            Change::parse("[]"),
            Err(ChangeError::Unreadable(_))
        ));
        let huge = format!(
            "{{\"type\":\"edit\",\"title\":\"{}\"}}",
            "x".repeat(MAX_EVENT_BYTES)
        );
        assert!(matches!(
            Change::parse(&huge),
            Err(ChangeError::TooLarge(_))
        ));
    }
}
