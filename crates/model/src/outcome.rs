//! What happened on the wiki for one decision.

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::timestamp::Timestamp;

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
    /// A lifecycle step that posts nothing (a contact seen, a match closed): recorded only.
    Noted,
    /// The wiki refused the edit.
    Failed {
        /// The API's error code (`protectedpage`, `blocked`, …).
        code: String,
        /// The API's explanation.
        info: String,
    },
}

impl OutcomeKind {
    /// The outcome's name as stored: `posted`, `dry-run`, `skipped`, `noted` or `failed`.
    pub fn name(&self) -> &'static str {
        match self {
            OutcomeKind::Posted { .. } => "posted",
            OutcomeKind::DryRun { .. } => "dry-run",
            OutcomeKind::Skipped { .. } => "skipped",
            OutcomeKind::Noted => "noted",
            OutcomeKind::Failed { .. } => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
