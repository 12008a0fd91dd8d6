//! Which outcomes the error log hears of, and what it is told.

use matchbot_model::{Decision, Level, PageRef, Request, RequestId, User};

use super::*;

const CATEGORY: &str = "Category:Co-op/Requests/Writing";

fn outcome(kind: OutcomeKind) -> Outcome {
    let added = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
    let user = |name: &str, id| User {
        name: name.into(),
        id,
    };
    Outcome {
        decision: Decision {
            request: Request {
                request_id: RequestId::new(7, CATEGORY, added),
                profile: PageRef {
                    id: 7,
                    title: "Wikipedia:Co-op/Zoë".into(),
                },
                category: CATEGORY.into(),
                category_added: added,
                learner: user("Zoë", 9),
                scanned_at: added,
                checkup: None,
                settings: None,
                learner_facts: None,
            },
            mentor: user("Ada", 5),
            mentor_profile: None,
            level: Level::Skill,
            mentor_skill: "writing".into(),
            explanation: None,
            step: None,
        },
        talk_page: "Wikipedia talk:Co-op/Zoë".into(),
        kind,
        at: added,
    }
}

#[test]
fn a_protected_talk_page_and_a_skip_by_bots_or_the_list_are_logged() {
    let protected = about_outcome(&outcome(OutcomeKind::Failed {
        code: "protectedpage".into(),
        info: "This page has been protected".into(),
    }))
    .expect("logged");
    assert_eq!(protected.kind, ErrorKind::ProtectedTalkPage);
    assert_eq!(
        protected.subject.as_deref(),
        Some("Wikipedia talk:Co-op/Zoë")
    );
    assert_eq!(
        protected.message,
        "Zoë was not contacted: the talk page is protected (protectedpage)"
    );

    for reason in [
        "the page carries {{nobots}}",
        "on the do-not-contact list: Zoë is listed on User:MatchBot/Do not contact",
    ] {
        let skipped = about_outcome(&outcome(OutcomeKind::Skipped {
            reason: reason.into(),
        }))
        .expect("logged");
        assert_eq!(skipped.kind, ErrorKind::Skipped);
        assert_eq!(skipped.message, format!("Zoë was not contacted: {reason}"));
    }
}

#[test]
fn what_needs_no_maintainer_is_not_logged() {
    for kind in [
        OutcomeKind::Skipped {
            reason: "request withdrawn: Category:X is no longer on P".into(),
        },
        OutcomeKind::Failed {
            code: "blocked".into(),
            info: "blocked".into(),
        },
        OutcomeKind::Noted,
        OutcomeKind::Posted {
            revid: 1,
            already: false,
            postid: None,
        },
    ] {
        assert_eq!(about_outcome(&outcome(kind.clone())), None, "{kind:?}");
    }
}
