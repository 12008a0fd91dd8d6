//! A learner's request and its stable identity.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lifecycle::Checkup;
use crate::people::{AccountFacts, PageRef, User};
use crate::timestamp::Timestamp;

/// The stable identity of one request: a profile page, a request category and the time the
/// category was added. The same request found twice — by an overlapping scan, a replayed stream, a
/// restarted worker — gets the same id, which is what makes every later effect idempotent (see
/// "Delivery guarantees" in docs/ARCHITECTURE.md).
///
/// Form: `<page id>-<YYYYMMDDHHMMSS>-<16 hex digits of FNV-1a of the category title>`; readable in
/// a log, at most 52 characters. In a programme other than the default one, the programme's
/// name and `/` come first (at most 33 characters more).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(String);

impl RequestId {
    /// The id of the request made by adding `category` to page `page_id` at `added`.
    pub fn new(page_id: u64, category: &str, added: Timestamp) -> RequestId {
        RequestId(format!(
            "{page_id}-{}-{:016x}",
            added.compact(),
            fnv1a(category.as_bytes())
        ))
    }

    /// The id of that request in `programme`: as [`RequestId::new`] makes it for the default
    /// programme (so ids from before programmes stay what they were), `programme/…` for the
    /// others, whose page ids are another wiki's.
    pub fn in_programme(
        programme: &str,
        page_id: u64,
        category: &str,
        added: Timestamp,
    ) -> RequestId {
        let id = RequestId::new(page_id, category, added);
        if programme == crate::DEFAULT_PROGRAMME {
            id
        } else {
            RequestId(format!("{programme}/{}", id.0))
        }
    }

    /// An id read back as it was stored (a Redis key member, a database column).
    pub fn from_stored(id: String) -> RequestId {
        RequestId(id)
    }

    /// The profile page id and category-add time this id was made of, when it has the form
    /// [`RequestId::new`] makes (the category is only in the id as a digest: check a guess by
    /// making the id again).
    pub fn page_and_added(&self) -> Option<(u64, Timestamp)> {
        let own = self
            .0
            .split_once('/')
            .map_or(self.0.as_str(), |(_, own)| own);
        let mut parts = own.splitn(3, '-');
        let page = parts.next()?.parse().ok()?;
        let t = parts.next()?;
        if t.len() != 14 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let added = Timestamp::parse(&format!(
            "{}-{}-{}T{}:{}:{}Z",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[8..10],
            &t[10..12],
            &t[12..14]
        ))
        .ok()?;
        Some((page, added))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A 64-bit digest of the id, for seeding the matcher's random choice.
    pub fn digest(&self) -> u64 {
        fnv1a(self.0.as_bytes())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

/// FNV-1a, 64 bit: tiny, stable across machines and Rust versions (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A learner asked for help: the scanner saw a request category added to their profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Stable identity, see [`RequestId`].
    pub request_id: RequestId,
    /// The learner's profile page.
    pub profile: PageRef,
    /// The request category that was added.
    pub category: String,
    /// When the category was added (the category link's timestamp).
    pub category_added: Timestamp,
    /// The learner: the creator of the profile page.
    pub learner: User,
    /// When the scan that found the request started (the original's `run_time`).
    pub scanned_at: Timestamp,
    /// Set when the request travels again after its greeting: what the scanner saw of its
    /// match since, for the matcher to decide the match's next step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkup: Option<Box<Checkup>>,
    /// The revision of the on-wiki settings page the scanner used when it sent the request;
    /// a worker that has an older one catches up before handling it. `None`: the file's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<u64>,
    /// The learner's account as the scanner read it when it handed the request out (blocked,
    /// registered, edits), for the matcher's gates; absent when no gate needs it, and on
    /// requests from before the gates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learner_facts: Option<AccountFacts>,
}

impl Request {
    /// The request's place in request order: by when its category was added, then by id. The
    /// scanner emits requests in this order and the matcher decides them in it, so a stream
    /// replayed later is decided exactly as it was the first time.
    pub fn order(&self) -> (Timestamp, &RequestId) {
        (self.category_added, &self.request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_from_before_the_gates_still_reads_and_writes_the_same() {
        let old = r#"{"request_id":"8-20261121100000-065c828093912336","profile":{"id":8,"title":"Wikipedia:Co-op/Ken"},"category":"Category:Co-op/Requests/Images and media","category_added":"2026-11-21T10:00:00Z","learner":{"name":"Ken","id":10},"scanned_at":"2026-11-21T10:00:05Z"}"#;
        let request: Request = serde_json::from_str(old).unwrap();
        assert!(request.learner_facts.is_none());
        assert_eq!(serde_json::to_string(&request).unwrap(), old);
        let with: Request = serde_json::from_str(&old.replace(
            r#""scanned_at""#,
            r#""learner_facts":{"blocked":true,"edits":3},"scanned_at""#,
        ))
        .unwrap();
        let facts = with.learner_facts.unwrap();
        assert!(facts.blocked && facts.edits == 3 && facts.registered.is_none());
    }

    #[test]
    fn a_programmes_ids_are_its_own_and_the_default_ones_as_before() {
        let t = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let category = "Category:Co-op/Requests/Writing";
        let old = RequestId::new(42, category, t);
        assert_eq!(
            RequestId::in_programme(crate::DEFAULT_PROGRAMME, 42, category, t),
            old
        );
        let theirs = RequestId::in_programme("dewiki", 42, category, t);
        assert_eq!(theirs.as_str(), format!("dewiki/{old}"));
        assert_eq!(theirs.page_and_added(), old.page_and_added());
        assert!(old.page_and_added().is_some());
    }

    #[test]
    fn request_id_is_stable_and_depends_on_all_three_parts() {
        let t = Timestamp::parse("2026-11-21T13:52:07Z").unwrap();
        let id = RequestId::new(42, "Category:Co-op/Requests/Writing", t);
        assert_eq!(id.as_str(), "42-20261121135207-c7f49c79e0cef887");
        assert_ne!(id, RequestId::new(43, "Category:Co-op/Requests/Writing", t));
        assert_ne!(id, RequestId::new(42, "Category:Co-op/Requests/Other", t));
        assert_ne!(
            id,
            RequestId::new(42, "Category:Co-op/Requests/Writing", t.plus_seconds(1))
        );
        assert_eq!(id.page_and_added(), Some((42, t)));
        for bad in [
            "",
            "x-20261121135207-c7",
            "42-2026112113520-c7",
            "42-2026112113520x-c7",
        ] {
            assert_eq!(RequestId::from_stored(bad.into()).page_and_added(), None);
        }
    }
}
