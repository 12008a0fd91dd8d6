//! One test per gate, on hand-built requests and pools; the clock is the request's.

use std::collections::BTreeMap;

use matchbot_model::{AccountFacts, Mentor, PageRef, RequestId};

use super::*;

const NOW: &str = "2026-11-21T10:00:00Z";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn request(facts: Option<AccountFacts>) -> Request {
    let category = "Category:Co-op/Requests/Writing";
    Request {
        request_id: RequestId::new(8, category, at(NOW)),
        profile: PageRef {
            id: 8,
            title: "Wikipedia:Co-op/Ken".into(),
        },
        category: category.into(),
        category_added: at(NOW),
        learner: User {
            name: "Ken".into(),
            id: 10,
        },
        scanned_at: at(NOW),
        checkup: None,
        learner_facts: facts,
        settings: None,
    }
}

fn facts(blocked: bool, registered: Option<&str>, edits: u64) -> Option<AccountFacts> {
    Some(AccountFacts {
        blocked,
        registered: registered.map(at),
        edits,
    })
}

fn gates(change: impl FnOnce(&mut GatesConfig)) -> GatesConfig {
    let mut g = GatesConfig::default();
    change(&mut g);
    g
}

#[test]
fn a_learner_blocked_sitewide_is_skipped_unless_the_gate_is_off() {
    let blocked = request(facts(true, Some("2020-01-01T00:00:00Z"), 100));
    assert_eq!(
        judge(&GatesConfig::default(), &blocked),
        Verdict::Skip(LearnerGate::Blocked)
    );
    let off = gates(|g| g.skip_blocked_learners = false);
    assert!(matches!(judge(&off, &blocked), Verdict::Admit(Some(_))));
}

#[test]
fn a_young_account_is_held_until_it_is_old_enough() {
    let g = gates(|g| g.min_learner_minutes = 60);
    let young = request(facts(false, Some("2026-11-21T09:30:00Z"), 3));
    assert_eq!(
        judge(&g, &young),
        Verdict::Hold {
            until: at("2026-11-21T10:30:00Z"),
            why: LearnerGate::TooNew {
                registered: at("2026-11-21T09:30:00Z"),
                minutes: 60
            }
        }
    );
    // Exactly old enough, at the request's own clock: let through.
    let of_age = request(facts(false, Some("2026-11-21T09:00:00Z"), 3));
    assert_eq!(
        judge(&g, &of_age),
        Verdict::Admit(Some(LearnerGate::Admitted {
            edits: 3,
            registered: Some(at("2026-11-21T09:00:00Z"))
        }))
    );
    // An account older than the wiki's record of registrations is old.
    assert!(matches!(
        judge(&g, &request(facts(false, None, 0))),
        Verdict::Admit(Some(_))
    ));
}

#[test]
fn a_learner_with_too_few_edits_is_held_for_a_recheck() {
    let g = gates(|g| {
        g.min_learner_edits = 5;
        g.recheck_minutes = 10;
    });
    let few = request(facts(false, Some("2026-11-01T00:00:00Z"), 4));
    assert_eq!(
        judge(&g, &few),
        Verdict::Hold {
            until: at("2026-11-21T10:10:00Z"),
            why: LearnerGate::TooFewEdits { edits: 4, min: 5 }
        }
    );
    let enough = request(facts(false, Some("2026-11-01T00:00:00Z"), 5));
    assert!(matches!(judge(&g, &enough), Verdict::Admit(Some(_))));
}

#[test]
fn a_request_without_facts_is_matched_as_before() {
    let g = gates(|g| {
        g.min_learner_edits = 5;
        g.min_learner_minutes = 60;
    });
    assert_eq!(judge(&g, &request(None)), Verdict::Admit(None));
}

#[test]
fn a_skipped_request_names_the_gate_and_no_mentor() {
    let pool = MentorPool {
        maintainer: Some(User {
            name: "Maintainer".into(),
            id: 1,
        }),
        ..MentorPool::default()
    };
    let decision = skipped(
        &MatcherConfig::default(),
        None,
        &request(facts(true, None, 0)),
        &pool,
        "writing",
        LearnerGate::Blocked,
    );
    assert_eq!(decision.level, Level::Maintainer);
    assert!(!decision.matchmade());
    let explained = decision.explanation.unwrap();
    assert!(explained.levels.is_empty());
    assert_eq!(
        explained.to_string(),
        "gates: learner blocked from the whole wiki: skipped (gates.skip_blocked_learners); no mentor looked for"
    );
}

fn mentor(name: &str, id: u64) -> Mentor {
    Mentor {
        user: User {
            name: name.into(),
            id,
        },
        profile: PageRef {
            id: id + 1000,
            title: format!("Wikipedia:Co-op/{name}"),
        },
    }
}

#[test]
fn mentors_below_the_edit_and_age_gates_are_passed_over() {
    let pool = MentorPool {
        by_category: BTreeMap::from([(
            WRITING_MENTORS.to_owned(),
            vec![mentor("Ada", 5), mentor("Bea", 6), mentor("Cy", 7)],
        )]),
        general: vec![mentor("Old", 8), mentor("Unknown", 9)],
        edit_counts: BTreeMap::from([(5, 499), (6, 500), (7, 900), (8, 900)]),
        registrations: BTreeMap::from([
            (5, at("2020-01-01T00:00:00Z")),
            (6, at("2020-01-01T00:00:00Z")),
            (7, at("2026-11-01T00:00:00Z")),
        ]),
        ..MentorPool::default()
    };
    let settings = MatcherConfig {
        min_mentor_edits: 500,
        min_mentor_days: 30,
        ..MatcherConfig::default()
    };
    let below = mentors_below(&settings, &pool, at(NOW));
    assert_eq!(
        below,
        BTreeMap::from([
            (
                5,
                Reason::TooFewEdits {
                    edits: 499,
                    min: 500
                }
            ),
            (
                7,
                Reason::TooNew {
                    registered: Some(at("2026-11-01T00:00:00Z")),
                    days: 30
                }
            ),
            (
                9,
                Reason::TooNew {
                    registered: None,
                    days: 30
                }
            ),
        ])
    );
    assert!(mentors_below(&MatcherConfig::default(), &pool, at(NOW)).is_empty());
}

#[test]
fn the_mentor_days_gate_alone_counts_whole_days_to_the_second() {
    let pool = MentorPool {
        by_category: BTreeMap::from([(
            WRITING_MENTORS.to_owned(),
            vec![mentor("Of age", 5), mentor("A second short", 6)],
        )]),
        general: vec![mentor("Before records", 7), mentor("Not read", 8)],
        // Edits do not matter with only the days gate on: 0 edits is enough.
        edit_counts: BTreeMap::from([(5, 0), (6, 10_000), (7, 0)]),
        registrations: BTreeMap::from([
            (5, at("2026-10-22T10:00:00Z")),
            (6, at("2026-10-22T10:00:01Z")),
        ]),
        ..MentorPool::default()
    };
    let settings = MatcherConfig {
        min_mentor_days: 30,
        ..MatcherConfig::default()
    };
    assert!(settings.gates_mentors());
    assert_eq!(
        mentors_below(&settings, &pool, at(NOW)),
        BTreeMap::from([
            (
                6,
                Reason::TooNew {
                    registered: Some(at("2026-10-22T10:00:01Z")),
                    days: 30
                }
            ),
            (
                8,
                Reason::TooNew {
                    registered: None,
                    days: 30
                }
            ),
        ]),
        "30 days to the second is old enough; an account the pool has no figures for is not \
         known to be; one with figures but no registration is older than the records"
    );
    assert_eq!(
        Reason::TooNew {
            registered: Some(at("2026-10-22T10:00:01Z")),
            days: 30
        }
        .to_string(),
        "account registered 2026-10-22T10:00:01Z, younger than 30 days (matcher.min_mentor_days)"
    );
}

#[test]
fn a_recheck_in_seconds_replaces_the_minutes() {
    let g = gates(|g| {
        g.min_learner_edits = 5;
        g.recheck_minutes = 10;
        g.recheck_seconds = Some(3);
    });
    let few = request(facts(false, Some("2026-11-01T00:00:00Z"), 4));
    assert_eq!(
        judge(&g, &few),
        Verdict::Hold {
            until: at("2026-11-21T10:00:03Z"),
            why: LearnerGate::TooFewEdits { edits: 4, min: 5 }
        }
    );
}
