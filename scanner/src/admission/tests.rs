//! The cooldown and the open-request cap, without Redis or a wiki.

use std::collections::BTreeMap;

use matchbot_model::{PageRef, Request, RequestId, Timestamp, User};

use super::*;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const DAY: i64 = 86_400;

const LIMITS: Limits = Limits {
    cooldown_seconds: 7 * DAY,
    max_open: 2,
};

fn at(seconds: i64) -> Timestamp {
    Timestamp::parse("2026-11-01T00:00:00Z")
        .unwrap()
        .plus_seconds(seconds)
}

fn request(learner: u64, profile: u64, category: &str, added: i64) -> Request {
    Request {
        request_id: RequestId::new(profile, category, at(added)),
        profile: PageRef {
            id: profile,
            title: format!("Wikipedia:Co-op/P{profile}"),
        },
        category: category.into(),
        category_added: at(added),
        learner: User {
            name: format!("L{learner}"),
            id: learner,
        },
        scanned_at: at(added + 5),
        checkup: None,
        settings: None,
        learner_facts: None,
    }
}

fn earlier(request: &Request, open: bool) -> Earlier {
    Earlier {
        request_id: request.request_id.clone(),
        category: request.category.clone(),
        added: request.category_added.unix(),
        open,
    }
}

#[test]
fn a_category_put_back_within_the_cooldown_is_no_new_request_on_any_profile() {
    let first = request(1, 10, WRITING, 0);
    let again = request(1, 10, WRITING, DAY);
    let other_profile = request(1, 11, WRITING, 2 * DAY);
    let other_category = request(1, 10, MEDIA, DAY);
    let other_learner = request(2, 20, WRITING, DAY);
    let after = request(1, 10, WRITING, 7 * DAY);
    let verdicts = admit(
        &[
            again.clone(),
            first.clone(),
            other_profile,
            other_category,
            other_learner,
            after,
        ],
        &BTreeMap::new(),
        Limits {
            max_open: 10,
            ..LIMITS
        },
    );
    let cooldown = Verdict::Cooldown {
        of: first.request_id.clone(),
    };
    assert_eq!(
        verdicts,
        [
            cooldown.clone(),
            Verdict::Admitted,
            cooldown,
            Verdict::Admitted,
            Verdict::Admitted,
            Verdict::Admitted,
        ],
        "in request order, whatever order they come in"
    );
}

#[test]
fn the_cooldown_counts_requests_handed_out_before_this_scan() {
    let first = request(1, 10, WRITING, 0);
    let known = BTreeMap::from([("1".to_owned(), vec![earlier(&first, false)])]);
    let again = request(1, 10, WRITING, 3 * DAY);
    assert_eq!(
        admit(&[again], &known, LIMITS),
        [Verdict::Cooldown {
            of: first.request_id
        }]
    );
}

#[test]
fn a_learner_at_the_cap_of_open_requests_waits_until_one_is_handled() {
    let a = request(1, 10, WRITING, 0);
    let b = request(1, 10, MEDIA, 10);
    let c = request(1, 11, "Category:Co-op/Requests/Templates", 20);
    let open = BTreeMap::from([("1".to_owned(), vec![earlier(&a, true), earlier(&b, true)])]);
    assert_eq!(
        admit(std::slice::from_ref(&c), &open, LIMITS),
        [Verdict::TooManyOpen { open: 2 }]
    );
    let one_handled =
        BTreeMap::from([("1".to_owned(), vec![earlier(&a, false), earlier(&b, true)])]);
    assert_eq!(
        admit(std::slice::from_ref(&c), &one_handled, LIMITS),
        [Verdict::Admitted]
    );
    // Within one scan, the requests admitted count for those after them.
    let d = request(1, 12, "Category:Co-op/Requests/Research", 30);
    assert_eq!(
        admit(&[c, d], &one_handled, LIMITS),
        [Verdict::Admitted, Verdict::TooManyOpen { open: 2 }]
    );
}

#[test]
fn a_request_handed_out_before_passes_again_whatever_the_limits() {
    let a = request(1, 10, WRITING, 0);
    let b = request(1, 10, MEDIA, 10);
    let known = BTreeMap::from([("1".to_owned(), vec![earlier(&a, true), earlier(&b, true)])]);
    assert_eq!(
        admit(
            &[a, b],
            &known,
            Limits {
                max_open: 1,
                ..LIMITS
            }
        ),
        [Verdict::Admitted, Verdict::Admitted]
    );
}
