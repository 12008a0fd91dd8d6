//! What travels between the stages. Every type here is serialised as JSON onto a stream, so
//! field names are part of the wire format: rename with care (a replayed fixture must still parse).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::explanation::Explanation;
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

    /// `YYYYMMDDHHMMSS`, MediaWiki's database form; used inside request ids.
    pub fn compact(&self) -> String {
        let t = self.0;
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// `YYYY-MM-DD HH:MM:SS`, MySQL's DATETIME form.
    pub fn sql(&self) -> String {
        let t = self.0;
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
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

/// The stable identity of one request: a profile page, a request category and the time the
/// category was added (DESIGN.md, "Streams and delivery"). The same request found twice — by an
/// overlapping scan, a replayed stream, a restarted worker — gets the same id, which is what makes
/// every later effect idempotent.
///
/// Form: `<page id>-<YYYYMMDDHHMMSS>-<16 hex digits of FNV-1a of the category title>`; readable in
/// a log, at most 52 characters.
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

    /// An id read back as it was stored (a Redis key member, a database column).
    pub fn from_stored(id: String) -> RequestId {
        RequestId(id)
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

/// A wiki account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct User {
    /// The user name, as the wiki spells it.
    pub name: String,
    /// The user id (0 for an IP editor, which cannot be a learner or mentor).
    pub id: u64,
}

/// A wiki page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRef {
    /// The page id.
    pub id: u64,
    /// The full title, with namespace.
    pub title: String,
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
}

impl Request {
    /// The request's place in request order: by when its category was added, then by id. The
    /// scanner emits requests in this order and the matcher decides them in it, so a stream
    /// replayed later is decided exactly as it was the first time.
    pub fn order(&self) -> (Timestamp, &RequestId) {
        (self.category_added, &self.request_id)
    }
}

/// A mentor as the pool knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentor {
    /// The mentor: the creator of the profile page.
    pub user: User,
    /// Their mentor profile page.
    pub profile: PageRef,
}

/// Who can be matched right now, as the scanner last saw the wiki.
///
/// Stored in Redis as one JSON value, replaced whole, so a reader never sees half an update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentorPool {
    /// When the scanner read it.
    pub taken_at: Option<Timestamp>,
    /// Members of each mentor category (keyed by the category title), profiles under `pages.main` only.
    pub by_category: BTreeMap<String, Vec<Mentor>>,
    /// Members of the general category.
    pub general: Vec<Mentor>,
    /// Members of the opt-out category: never chosen.
    pub opted_out: Vec<Mentor>,
    /// Mentors blocked from editing the whole wiki: never chosen (a pool written before
    /// blocks were checked reads as none blocked).
    #[serde(default)]
    pub blocked: Vec<User>,
    /// Mentors on a break (`categories.away`), with the day they are back when they gave one.
    #[serde(default)]
    pub away: Vec<Away>,
    /// Each mentor's last edit, by user id; kept only when `matcher.active_within_days` is set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_edits: BTreeMap<u64, Timestamp>,
    /// The creator of `defaultmentorprofile`.
    pub maintainer: Option<User>,
}

/// A mentor who marked themself away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Away {
    /// The mentor.
    pub mentor: Mentor,
    /// When they are back (from the sort key); `None`: until they leave the category.
    pub until: Option<Timestamp>,
    /// The sort key as written, when it is not a date MatchBot can read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

impl Away {
    /// Reads the sort key prefix of a profile's link to the away category: a date
    /// (`2026-12-24`, back at its start, UTC) or a full timestamp; empty means no date.
    pub fn new(mentor: Mentor, sortkey_prefix: &str) -> Away {
        let written = sortkey_prefix.trim();
        let until = if written.is_empty() {
            None
        } else {
            Timestamp::parse(written)
                .or_else(|_| Timestamp::parse(&format!("{written}T00:00:00Z")))
                .ok()
        };
        let unreadable = (until.is_none() && !written.is_empty()).then(|| written.to_owned());
        Away {
            mentor,
            until,
            unreadable,
        }
    }

    /// True when the mentor is still away at `at`.
    pub fn is_away_at(&self, at: Timestamp) -> bool {
        self.until.is_none_or(|until| at < until)
    }
}

/// Which rule found the mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A mentor who offers the requested skill.
    Skill,
    /// A mentor from the general category.
    General,
    /// Nobody was free: the maintainer, with `matchmade = 0`.
    Maintainer,
}

/// The matcher's choice for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The request decided.
    pub request: Request,
    /// The chosen mentor, or the maintainer when `level` is `Maintainer`.
    pub mentor: User,
    /// The mentor's profile; `None` for the maintainer.
    pub mentor_profile: Option<PageRef>,
    /// The rule that applied.
    pub level: Level,
    /// The skill the mentor actually offers, as the greeting names it (for a general mentor, the
    /// general skill, never the one requested: the original claimed otherwise, defect 17).
    pub mentor_skill: String,
    /// Why this mentor: every level looked at, who was passed over and why, the weights and the
    /// draw. Absent on decisions made before MatchBot explained them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

impl Level {
    /// The level's name as stored and shown: `skill`, `general` or `maintainer`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Skill => "skill",
            Level::General => "general",
            Level::Maintainer => "maintainer",
        }
    }
}

impl Decision {
    /// The original's `matchmade`: true unless the request went to the maintainer.
    pub fn matchmade(&self) -> bool {
        self.level != Level::Maintainer
    }
}

/// What happened on the wiki for one decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The decision carried out.
    pub decision: Decision,
    /// The talk page the greeting went (or would have gone) to.
    pub talk_page: String,
    /// What happened.
    pub kind: OutcomeKind,
    /// When it happened: the edit's server time for a post, else the notifier's clock.
    pub at: Timestamp,
}

/// The result of trying to greet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// The greeting is on the talk page.
    Posted {
        /// The revision that added it (0 on a Flow board, or when the marker was found but not
        /// the revision that added it).
        revid: u64,
        /// True when an earlier attempt had already posted it (found by its marker), so no
        /// new edit was made.
        already: bool,
        /// On a Flow board: the revision id of the topic's first post (the original's `postid`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postid: Option<String>,
    },
    /// A dry run (`--dry-run`): everything but the edit.
    DryRun {
        /// The text that would have been posted.
        text: String,
    },
    /// No edit on purpose (bot exclusion, a removed request).
    Skipped {
        /// Why, for a person.
        reason: String,
    },
    /// The wiki refused the edit.
    Failed {
        /// The API's error code (`protectedpage`, `blocked`, …).
        code: String,
        /// The API's explanation.
        info: String,
    },
}

impl OutcomeKind {
    /// The outcome's name as stored: `posted`, `dry-run`, `skipped` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            OutcomeKind::Posted { .. } => "posted",
            OutcomeKind::DryRun { .. } => "dry-run",
            OutcomeKind::Skipped { .. } => "skipped",
            OutcomeKind::Failed { .. } => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn timestamps_round_trip_in_mediawiki_form() {
        let t = Timestamp::parse("2026-11-21T13:52:07Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-21T13:52:07Z");
        assert_eq!(t.sql(), "2026-11-21 13:52:07");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-11-21T13:52:07Z\""
        );
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn outcome_kind_is_tagged_on_the_wire() {
        let k = OutcomeKind::Failed {
            code: "protectedpage".into(),
            info: "This page has been protected".into(),
        };
        let json = serde_json::to_value(&k).unwrap();
        assert_eq!(json["outcome"], "failed");
        assert_eq!(json["code"], "protectedpage");
        let dry = OutcomeKind::DryRun {
            text: "Hello".into(),
        };
        assert_eq!(serde_json::to_value(&dry).unwrap()["outcome"], "dry-run");
        assert_eq!(dry.name(), "dry-run");
    }

    #[test]
    fn a_post_from_before_flow_support_still_reads() {
        let old = r#"{"outcome":"posted","revid":12,"already":false}"#;
        let kind: OutcomeKind = serde_json::from_str(old).unwrap();
        assert_eq!(
            kind,
            OutcomeKind::Posted {
                revid: 12,
                already: false,
                postid: None
            }
        );
        assert_eq!(serde_json::to_string(&kind).unwrap(), old);
    }
}
