//! The matcher's choice for one request.

use serde::{Deserialize, Serialize};

use crate::explanation::Explanation;
use crate::level::Level;
use crate::lifecycle::Step;
use crate::people::{PageRef, User};
use crate::request::Request;

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
    /// general skill, never the one requested: the original claimed otherwise, its defect 17 in
    /// docs/ARCHITECTURE.md).
    pub mentor_skill: String,
    /// Why this mentor: every level looked at, who was passed over and why, the weights and the
    /// draw. Absent on decisions made before MatchBot explained them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
    /// Set for a step in the match's life after its greeting (a nudge, a reassignment, …):
    /// then this is not a greeting, and `mentor` is the mentor the step concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
}

impl Decision {
    /// The original's `matchmade`: true unless the request went to the maintainer.
    pub fn matchmade(&self) -> bool {
        self.level != Level::Maintainer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_from_before_explanations_still_reads() {
        let old = r#"{"request":{"request_id":"8-20261121100000-065c828093912336","profile":{"id":8,"title":"Wikipedia:Co-op/Ken"},"category":"Category:Co-op/Requests/Images and media","category_added":"2026-11-21T10:00:00Z","learner":{"name":"Ken","id":10},"scanned_at":"2026-11-21T10:00:05Z"},"mentor":{"name":"Grace","id":7},"mentor_profile":null,"level":"general","mentor_skill":"general editing skills"}"#;
        let decision: Decision = serde_json::from_str(old).unwrap();
        assert!(decision.explanation.is_none());
        assert!(decision.matchmade());
        assert_eq!(decision.level, Level::General);
        assert_eq!(serde_json::to_string(&decision).unwrap(), old);
    }
}
