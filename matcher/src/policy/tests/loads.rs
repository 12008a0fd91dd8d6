//! Loads, caps and the draw: who gets the next learner, and that deciding again decides the same.

use super::*;

pub(super) fn loaded(history: &mut History, mentor: u64, n: u64) {
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
fn learners_given_for_later_requests_count_toward_the_cap_too() {
    // Another matcher replica decided later requests first: Ada holds two learners whose
    // requests come after this one in request order, and is at her cap all the same.
    let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
    let r = request(user("Zoë", 50), WRITING, 500);
    let mut history = History::new();
    for i in 0..2 {
        let later = request_at(
            user("Later", 700 + i),
            WRITING,
            7000 + i,
            r.category_added.plus_seconds(60 + i as i64),
        );
        history.add_load(10, crate::history::Place::of(&later));
    }
    assert_eq!(history.load(10, &r, 30), 2);
    let capped = with(|s| s.max_active = Some(2));
    let d = capped.decide(&r, &p, &history).unwrap();
    assert_eq!(d.mentor.name, "Bea");
    // A request's own place is not its load: decided again, it does not crowd itself out.
    history.add_load(20, crate::history::Place::of(&r));
    assert_eq!(history.load(20, &r, 30), 0);
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

#[test]
fn a_request_decided_before_gets_its_decision_back_though_the_loads_changed_since() {
    let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
    let capped = with(|s| s.max_active = Some(1));
    let mut full = History::new();
    loaded(&mut full, 10, 1);
    // A request the draw would give Ada if she were free.
    let r = (500..600)
        .map(|page| request(user("Zoë", 50), WRITING, page))
        .find(|r| capped.decide(r, &p, &History::new()).unwrap().mentor.name == "Ada")
        .unwrap();
    let first = capped.decide(&r, &p, &full).unwrap();
    assert_eq!(first.mentor.name, "Bea", "Ada is at her cap");

    // Ada's earlier greeting was skipped since: she has room now, but the request decided
    // before (a replay, a reconcile handing it out again) is decided as it was.
    let mut since = History::new();
    since.add_decision(first.clone());
    let mut again = r.clone();
    again.scanned_at = at(NOW).plus_seconds(3600);
    assert_eq!(capped.decide(&again, &p, &since).unwrap(), first);
    assert_eq!(
        capped.decide(&r, &p, &History::new()).unwrap().mentor.name,
        "Ada",
        "without the earlier decision, Ada would be drawn"
    );
}

#[test]
fn an_earlier_decision_naming_someone_the_pool_does_not_list_is_decided_afresh() {
    let p = pool(vec![mentor("Ada", 10)], vec![], vec![]);
    let r = request(user("Zoë", 50), WRITING, 500);
    let honest = policy().decide(&r, &p, &History::new()).unwrap();
    let forged = |change: &dyn Fn(&mut Decision)| {
        let mut d = honest.clone();
        change(&mut d);
        let mut history = History::new();
        history.add_decision(d);
        policy().decide(&r, &p, &history).unwrap()
    };
    // Someone else, a skill the configuration does not name, another learner.
    assert_eq!(forged(&|d| d.mentor = user("Mallory", 66)), honest);
    assert_eq!(forged(&|d| d.mentor_skill = "<script>".into()), honest);
    assert_eq!(forged(&|d| d.request.learner = user("Eve", 67)), honest);
    assert_eq!(
        forged(&|d| {
            d.level = Level::Maintainer;
            d.mentor_profile = None;
            d.mentor = user("Mallory", 66);
        }),
        honest
    );
}
