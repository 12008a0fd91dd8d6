//! One test per matching rule, on hand-built pools: the levels and who is passed over here,
//! loads and determinism in `loads`.

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
        revision: None,
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
        checkup: None,
        settings: None,
        learner_facts: None,
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
fn mentors_on_the_do_not_contact_list_are_never_chosen() {
    let mut p = pool(
        vec![mentor("Ada", 10), mentor("Bea", 20)],
        vec![mentor("Bea", 20)],
        vec![],
    );
    p.do_not_contact = vec!["Bea".into(), "Someone else".into()];
    for page in 0..200 {
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, page), &p);
        assert_eq!(d.mentor.name, "Ada", "request {page} went to listed Bea");
        assert_eq!(reasons(&d, "Bea"), [Reason::DoNotContact]);
    }
    p.do_not_contact.push("Ada".into());
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
mod loads;
mod own;

#[test]
fn a_mentor_below_the_edit_gate_is_passed_over_with_the_reason() {
    let p = with(|s| s.min_mentor_edits = 100);
    let mut pool = pool(vec![mentor("Ada", 5), mentor("Bea", 6)], vec![], vec![]);
    pool.edit_counts = BTreeMap::from([(5, 99), (6, 100)]);
    let d = decide(&p, &request(user("Ken", 10), WRITING, 8), &pool);
    assert_eq!(d.mentor.name, "Bea");
    let skill = &explanation(&d).levels[0];
    assert_eq!(skill.excluded[0].mentor.name, "Ada");
    assert_eq!(
        skill.excluded[0].reason,
        Reason::TooFewEdits {
            edits: 99,
            min: 100
        }
    );
    assert!(
        explanation(&d)
            .to_string()
            .contains("- Ada: 99 edits, fewer than 100 (matcher.min_mentor_edits)")
    );
}
