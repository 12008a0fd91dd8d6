//! One test per matching rule, on hand-built pools.

use std::collections::{BTreeMap, HashSet};

use matchbot_config::MentorSettings;
use matchbot_model::{Away, PageRef, RequestId, Timestamp};

use super::*;
use crate::history::History;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const COMMUNICATION: &str = "Category:Co-op/Requests/Communication";
const COMMUNICATION_MENTORS: &str = "Category:Co-op mentors with communication skills";
const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const GENERAL: &str = "Category:Co-op mentors with general editing skills";
const NOW: &str = "2026-11-21T10:00:00Z";

fn policy() -> Policy {
    let skill = |name: &str, request: &str, mentors: &str| Skill {
        name: name.into(),
        request_category: request.into(),
        mentor_category: mentors.into(),
    };
    Policy {
        skills: vec![
            skill("writing", WRITING, WRITING_MENTORS),
            skill("communication", COMMUNICATION, COMMUNICATION_MENTORS),
            skill(
                "images and media",
                MEDIA,
                "Category:Co-op mentors with multimedia skills",
            ),
        ],
        general_category: GENERAL.into(),
        general_skill: "general editing skills".into(),
        settings: MatcherConfig {
            seed: 7,
            ..MatcherConfig::default()
        },
    }
}

fn with(settings: impl FnOnce(&mut MatcherConfig)) -> Policy {
    let mut p = policy();
    settings(&mut p.settings);
    p
}

fn user(name: &str, id: u64) -> User {
    User {
        name: name.into(),
        id,
    }
}

fn mentor(name: &str, id: u64) -> Mentor {
    Mentor {
        user: user(name, id),
        profile: PageRef {
            id: id + 1000,
            title: format!("Wikipedia:Co-op/{name}"),
        },
    }
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn request(learner: User, category: &str, page: u64) -> Request {
    request_at(learner, category, page, at(NOW))
}

fn request_at(learner: User, category: &str, page: u64, added: Timestamp) -> Request {
    Request {
        request_id: RequestId::new(page, category, added),
        profile: PageRef {
            id: page,
            title: format!("Wikipedia:Co-op/{}", learner.name),
        },
        category: category.into(),
        category_added: added,
        learner,
        scanned_at: at(NOW),
    }
}

fn pool(writing: Vec<Mentor>, general: Vec<Mentor>, opted_out: Vec<Mentor>) -> MentorPool {
    MentorPool {
        taken_at: Some(at(NOW)),
        by_category: BTreeMap::from([(WRITING_MENTORS.to_owned(), writing)]),
        general,
        opted_out,
        maintainer: Some(user("Maintainer", 1)),
        ..MentorPool::default()
    }
}

fn decide(p: &Policy, r: &Request, pool: &MentorPool) -> Decision {
    p.decide(r, pool, &History::new()).unwrap()
}

fn explanation(d: &Decision) -> &Explanation {
    d.explanation.as_ref().unwrap()
}

/// The reasons `name` was passed over at any level of `d`.
fn reasons(d: &Decision, name: &str) -> Vec<Reason> {
    explanation(d)
        .levels
        .iter()
        .flat_map(|l| &l.excluded)
        .filter(|e| e.mentor.name == name)
        .map(|e| e.reason.clone())
        .collect()
}

#[test]
fn a_mentor_of_the_skill_comes_first() {
    let p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
    let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
    assert_eq!((d.mentor.name.as_str(), d.level), ("Ada", Level::Skill));
    assert_eq!(d.mentor_skill, "writing");
    assert!(d.matchmade());
    let e = explanation(&d);
    assert_eq!(e.levels.len(), 1, "the general level is not looked at");
    assert_eq!((e.levels[0].listed, e.levels[0].candidates.len()), (1, 1));
    assert_eq!(e.chosen.name, "Ada");
    assert_eq!(e.seed, 7);
}

#[test]
fn no_mentor_of_the_skill_means_a_general_one_named_for_their_own_skill() {
    let p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
    let d = decide(&policy(), &request(user("Ken", 51), MEDIA, 501), &p);
    assert_eq!((d.mentor.name.as_str(), d.level), ("Grace", Level::General));
    assert_eq!(d.mentor_skill, "general editing skills");
    let e = explanation(&d);
    assert_eq!(
        e.levels
            .iter()
            .map(|l| (l.level, l.listed))
            .collect::<Vec<_>>(),
        [(Level::Skill, 0), (Level::General, 1)]
    );
}

#[test]
fn nobody_free_means_the_maintainer_and_no_match() {
    let p = pool(vec![], vec![], vec![]);
    let d = decide(&policy(), &request(user("Ken", 51), WRITING, 501), &p);
    assert_eq!(
        (d.mentor.name.as_str(), d.level),
        ("Maintainer", Level::Maintainer)
    );
    assert!(!d.matchmade());
    assert_eq!(d.mentor_profile, None);
    assert_eq!(explanation(&d).draw, None);
    assert_eq!(explanation(&d).levels.len(), 2);
}

#[test]
fn opted_out_mentors_are_never_chosen() {
    let olga = mentor("Olga", 40);
    let p = pool(vec![olga.clone()], vec![olga.clone()], vec![olga]);
    for page in 0..200 {
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, page), &p);
        assert_eq!(d.level, Level::Maintainer, "Olga opted out but was chosen");
        assert_eq!(reasons(&d, "Olga"), [Reason::OptedOut, Reason::OptedOut]);
    }
}

#[test]
fn blocked_mentors_are_never_chosen() {
    let mut p = pool(
        vec![mentor("Ada", 10), mentor("Bea", 20)],
        vec![mentor("Ada", 10)],
        vec![],
    );
    p.blocked = vec![user("Bea", 20)];
    for page in 0..200 {
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, page), &p);
        assert_eq!(d.mentor.name, "Ada", "request {page} went to blocked Bea");
        assert_eq!(reasons(&d, "Bea"), [Reason::Blocked]);
    }
    p.blocked.push(user("Ada", 10));
    let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 1), &p);
    assert_eq!(d.level, Level::Maintainer);
}

#[test]
fn a_learner_is_never_their_own_mentor() {
    let p = pool(
        vec![mentor("Ada", 10), mentor("Bea", 20)],
        vec![mentor("Ada", 10)],
        vec![],
    );
    for page in 0..200 {
        let d = decide(&policy(), &request(user("Ada", 10), WRITING, page), &p);
        assert_eq!(
            d.mentor.name, "Bea",
            "request {page} matched Ada with herself"
        );
    }
    let only_self = pool(vec![mentor("Ada", 10)], vec![mentor("Ada", 10)], vec![]);
    let d = decide(&policy(), &request(user("Ada", 10), WRITING, 1), &only_self);
    assert_eq!(d.level, Level::Maintainer);
    assert_eq!(
        reasons(&d, "Ada"),
        [Reason::IsTheLearner, Reason::IsTheLearner]
    );
}

#[test]
fn an_away_mentor_is_skipped_until_the_date_they_gave() {
    let mut p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
    p.away = vec![Away::new(mentor("Ada", 10), "2026-12-01")];
    let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
    assert_eq!(d.mentor.name, "Grace");
    assert_eq!(
        reasons(&d, "Ada"),
        [Reason::Away {
            until: Some(at("2026-12-01T00:00:00Z"))
        }]
    );

    p.away = vec![Away::new(mentor("Ada", 10), "2026-11-20")];
    let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
    assert_eq!(d.mentor.name, "Ada", "a date gone by means back");

    p.away = vec![Away::new(mentor("Ada", 10), "")];
    let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
    assert_eq!(
        d.mentor.name, "Grace",
        "no date: away until they say otherwise"
    );
    assert_eq!(reasons(&d, "Ada"), [Reason::Away { until: None }]);
}

#[test]
fn an_inactive_mentor_is_skipped_only_when_the_setting_is_on() {
    let mut p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
    p.last_edits = BTreeMap::from([(10, at("2026-10-01T00:00:00Z")), (30, at(NOW))]);
    let r = request(user("Zoë", 50), WRITING, 500);
    assert_eq!(decide(&policy(), &r, &p).mentor.name, "Ada");
    let strict = with(|s| s.active_within_days = Some(30));
    let d = decide(&strict, &r, &p);
    assert_eq!(d.mentor.name, "Grace");
    assert_eq!(
        reasons(&d, "Ada"),
        [Reason::Inactive {
            last_edit: at("2026-10-01T00:00:00Z"),
            days: 30
        }]
    );
}

#[test]
fn a_mentor_of_weight_zero_is_never_assigned_automatically() {
    let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
    let quiet = with(|s| {
        s.mentors.insert(
            "Ada".into(),
            MentorSettings {
                weight: 0,
                max_active: None,
            },
        );
    });
    for page in 0..200 {
        let d = decide(&quiet, &request(user("Zoë", 50), WRITING, page), &p);
        assert_eq!(d.mentor.name, "Bea");
        assert_eq!(reasons(&d, "Ada"), [Reason::WeightZero]);
    }
}

/// A history in which `mentor` got `n` learners for requests made just before `NOW`.
fn loaded(history: &mut History, mentor: u64, n: u64) {
    for i in 0..n {
        let place = crate::history::Place::of(&request_at(
            user("Earlier", 900 + i),
            WRITING,
            9000 + mentor * 100 + i,
            at(NOW).plus_seconds(-3600 - i as i64),
        ));
        history.add_load(mentor, place);
    }
}

#[test]
fn a_mentor_at_their_cap_is_passed_over_and_the_cap_can_be_their_own() {
    let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
    let mut history = History::new();
    loaded(&mut history, 10, 2);
    let capped = with(|s| s.max_active = Some(2));
    for page in 0..100 {
        let r = request(user("Zoë", 50), WRITING, page);
        let d = capped.decide(&r, &p, &history).unwrap();
        assert_eq!(d.mentor.name, "Bea");
        assert_eq!(reasons(&d, "Ada"), [Reason::AtCapacity { load: 2, cap: 2 }]);
    }
    let ada_takes_more = with(|s| {
        s.max_active = Some(2);
        s.mentors.insert(
            "Ada".into(),
            MentorSettings {
                weight: 1,
                max_active: Some(5),
            },
        );
    });
    let names: HashSet<String> = (0..100)
        .map(|page| {
            let r = request(user("Zoë", 50), WRITING, page);
            ada_takes_more.decide(&r, &p, &history).unwrap().mentor.name
        })
        .collect();
    assert!(names.contains("Ada"), "Ada's own cap of 5 lets her in");
}

#[test]
fn loads_outside_the_window_do_not_count() {
    let mut history = History::new();
    let long_ago = request_at(user("Old", 800), WRITING, 8000, at("2026-09-01T00:00:00Z"));
    history.add_load(10, crate::history::Place::of(&long_ago));
    let r = request(user("Zoë", 50), WRITING, 500);
    assert_eq!(history.load(10, &r, 30), 0);
    assert_eq!(history.load(10, &r, 90), 1);
}

#[test]
fn least_loaded_favours_the_mentor_with_fewer_learners() {
    let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
    let mut history = History::new();
    loaded(&mut history, 10, 3);
    // Ada's share of 2,000 requests.
    let share_of_ada = |policy: &Policy| {
        let ada = (0..2000)
            .filter(|page| {
                let r = request(user("Zoë", 50), WRITING, *page);
                policy.decide(&r, &p, &history).unwrap().mentor.name == "Ada"
            })
            .count();
        ada as f64 / 2000.0
    };
    // Weights 1/4 and 1: Ada's share is 0.2.
    let share = share_of_ada(&policy());
    assert!((share - 0.2).abs() < 0.03, "Ada's share {share}");
    let share = share_of_ada(&with(|s| s.selection = Selection::Uniform));
    assert!((share - 0.5).abs() < 0.04, "uniform ignores loads: {share}");
}

#[test]
fn a_learner_with_two_requests_gets_two_mentors_when_there_are() {
    let mut p = pool(vec![mentor("Ada", 10)], vec![], vec![]);
    p.by_category.insert(
        COMMUNICATION_MENTORS.into(),
        vec![mentor("Ada", 10), mentor("Bea", 20)],
    );
    let mut history = History::new();
    let writing = request(user("Zoë", 50), WRITING, 500);
    let first = policy().decide(&writing, &p, &history).unwrap();
    assert_eq!(first.mentor.name, "Ada");
    history.record(&first);
    for second in 1..50 {
        let talk = request_at(
            user("Zoë", 50),
            COMMUNICATION,
            500,
            at(NOW).plus_seconds(second),
        );
        let d = policy().decide(&talk, &p, &history).unwrap();
        assert_eq!(d.mentor.name, "Bea");
        assert_eq!(
            reasons(&d, "Ada"),
            [Reason::AlreadyMentorsLearner {
                category: WRITING.into()
            }]
        );
    }
    // With only Ada there, Ada it is.
    p.by_category
        .insert(COMMUNICATION_MENTORS.into(), vec![mentor("Ada", 10)]);
    let talk = request_at(user("Zoë", 50), COMMUNICATION, 500, at(NOW).plus_seconds(1));
    assert_eq!(
        policy().decide(&talk, &p, &history).unwrap().mentor.name,
        "Ada"
    );
}

#[test]
fn deciding_a_request_again_after_later_ones_decides_the_same() {
    let mentors: Vec<Mentor> = (0..5).map(|i| mentor(&format!("M{i}"), 100 + i)).collect();
    let p = pool(mentors, vec![], vec![]);
    let requests: Vec<Request> = (0..40)
        .map(|i| {
            request_at(
                user("L", 500 + i),
                WRITING,
                500 + i,
                at(NOW).plus_seconds(i as i64),
            )
        })
        .collect();
    let mut history = History::new();
    let first: Vec<Decision> = requests
        .iter()
        .map(|r| {
            let d = policy().decide(r, &p, &history).unwrap();
            history.record(&d);
            d
        })
        .collect();
    for (r, d) in requests.iter().zip(&first) {
        assert_eq!(&policy().decide(r, &p, &history).unwrap(), d);
    }
}

#[test]
fn the_same_request_and_seed_always_decide_the_same() {
    let mentors: Vec<Mentor> = (0..10).map(|i| mentor(&format!("M{i}"), 100 + i)).collect();
    let p = pool(mentors, vec![], vec![]);
    let r = request(user("Zoë", 50), WRITING, 500);
    let first = decide(&policy(), &r, &p);
    for _ in 0..20 {
        assert_eq!(decide(&policy(), &r, &p), first);
    }
    let chosen: HashSet<String> = (0..100)
        .map(|page| {
            decide(&policy(), &request(user("Zoë", 50), WRITING, page), &p)
                .mentor
                .name
        })
        .collect();
    assert!(
        chosen.len() >= 8,
        "the choice should vary by request: {chosen:?}"
    );
}

#[test]
fn an_unknown_category_is_an_error_not_a_guess() {
    let p = pool(vec![], vec![], vec![]);
    let r = request(user("Zoë", 50), "Category:Co-op/Requests/Knitting", 1);
    assert_eq!(
        policy().decide(&r, &p, &History::new()),
        Err(PolicyError::UnknownCategory(
            "Category:Co-op/Requests/Knitting".into()
        ))
    );
}
