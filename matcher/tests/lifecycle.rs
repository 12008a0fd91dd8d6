//! The lifecycle rules, one test each, as a pure function of a checkup with its clock: no
//! Redis, no wiki.

mod common;

use common::*;
use matchbot_matcher::History;
use matchbot_matcher::lifecycle::{self, Next, next};
use matchbot_model::{
    Action, Away, Closing, Contact, Decision, Departure, EventKind, Level, Reason, Step, Why,
};

fn decide(
    checkup: &matchbot_model::Checkup,
    pool: &matchbot_model::MentorPool,
) -> Option<Decision> {
    lifecycle::decide(
        &policy(),
        &rules(),
        &request(),
        checkup,
        pool,
        &History::new(),
    )
    .unwrap()
}

fn step(next: Next) -> Step {
    match next {
        Next::Step(step) => step,
        other => panic!("expected a step, got {other:?}"),
    }
}

fn contact(at: matchbot_model::Timestamp) -> Contact {
    Contact {
        by: ada(),
        page: "Wikipedia talk:Co-op/Ken".into(),
        revid: 77,
        at,
    }
}

#[test]
fn a_fresh_match_needs_nothing() {
    assert_eq!(
        next(&rules(), &request(), &checkup(day(1)), &pool()),
        Next::Nothing
    );
}

#[test]
fn a_silent_mentor_is_nudged_once_after_seven_days() {
    assert_eq!(
        next(
            &rules(),
            &request(),
            &checkup(day(7).plus_seconds(-1)),
            &pool()
        ),
        Next::Nothing
    );
    let nudge = step(next(&rules(), &request(), &checkup(day(7)), &pool()));
    assert_eq!(nudge.id, "nudge-1");
    assert_eq!(
        nudge.action,
        Action::Nudge {
            silent_since: greeted_at()
        }
    );
    let mut later = checkup(day(8));
    later
        .history
        .push(event("nudge-1", EventKind::Nudged, day(7), ada(), "posted"));
    assert_eq!(
        next(&rules(), &request(), &later, &pool()),
        Next::Nothing,
        "nudged once"
    );
}

#[test]
fn contact_is_recorded_and_ends_the_nudging() {
    let mut seen = checkup(day(8));
    seen.contact = Some(contact(day(2)));
    let noted = step(next(&rules(), &request(), &seen, &pool()));
    assert_eq!(noted.id, "contact-1");
    assert!(noted.action.is_quiet());
    seen.history.push(event(
        "contact-1",
        EventKind::Contacted,
        day(8),
        ada(),
        "noted",
    ));
    for d in [8, 15, 29] {
        seen.at = day(d);
        seen.learner_last_edit = Some(day(d - 1));
        assert_eq!(
            next(&rules(), &request(), &seen, &pool()),
            Next::Nothing,
            "day {d}"
        );
    }
}

#[test]
fn still_silent_after_fourteen_days_the_learner_gets_someone_else() {
    let mut silent = checkup(day(14));
    silent
        .history
        .push(event("nudge-1", EventKind::Nudged, day(7), ada(), "posted"));
    let decision = decide(&silent, &pool()).unwrap();
    assert_ne!(decision.mentor, ada());
    let step = decision.step.unwrap();
    assert_eq!(step.id, "reassign-1");
    assert_eq!(
        step.action,
        Action::Reassign {
            from: ada(),
            why: Why::Silent { days: 14 }
        }
    );
    let levels = &decision.explanation.unwrap().levels;
    assert!(
        levels[0]
            .excluded
            .iter()
            .any(|e| e.mentor == ada() && e.reason == Reason::FormerMentor)
    );
    // The same checkup again decides the same (the draw is seeded by the step).
    assert_eq!(decide(&silent, &pool()).unwrap().mentor, decision.mentor);
}

#[test]
fn a_mentor_is_never_replaced_for_silence_without_a_nudge_and_the_time_it_gives() {
    let silent = checkup(day(20));
    assert!(
        matches!(
            step(next(&rules(), &request(), &silent, &pool())).action,
            Action::Nudge { .. }
        ),
        "the nudge comes first"
    );
    let mut late = checkup(day(14));
    late.history.push(event(
        "nudge-1",
        EventKind::Nudged,
        day(13),
        ada(),
        "posted",
    ));
    assert_eq!(
        next(&rules(), &request(), &late, &pool()),
        Next::Nothing,
        "a late nudge still gives seven days"
    );
    late.at = day(20);
    assert!(matches!(
        next(&rules(), &request(), &late, &pool()),
        Next::Reassign { .. }
    ));
}

#[test]
fn a_reassignment_that_did_not_reach_the_wiki_is_not_tried_again() {
    let mut silent = checkup(day(15));
    silent
        .history
        .push(event("nudge-1", EventKind::Nudged, day(7), ada(), "posted"));
    let mut tried = event(
        "reassign-1",
        EventKind::Reassigned,
        day(14),
        bea(),
        "skipped",
    );
    tried.from = Some(ada());
    silent.history.push(tried);
    assert_eq!(next(&rules(), &request(), &silent, &pool()), Next::Nothing);
}

#[test]
fn a_mentor_who_opts_out_is_replaced_but_one_away_with_a_date_is_not() {
    let mut away = pool();
    away.away.push(Away::new(mentor("Ada", 1), "2026-12-24"));
    assert_eq!(
        next(&rules(), &request(), &checkup(day(20)), &away),
        Next::Nothing,
        "away: not nudged or replaced"
    );
    let mut left = pool();
    left.opted_out.push(mentor("Ada", 1));
    let d = decide(&checkup(day(1)), &left).unwrap();
    assert!(matches!(
        d.step.unwrap().action,
        Action::Reassign {
            why: Why::MentorLeft {
                how: Departure::OptedOut
            },
            ..
        }
    ));
    let mut blocked = pool();
    blocked.blocked.push(ada());
    assert!(matches!(
        step_of(&checkup(day(1)), &blocked),
        Action::Reassign {
            why: Why::MentorLeft {
                how: Departure::Blocked
            },
            ..
        }
    ));
    let mut unlisted = pool();
    unlisted
        .by_category
        .insert(WRITING_MENTORS.into(), vec![mentor("Bea", 2)]);
    let d = decide(&checkup(day(1)), &unlisted).unwrap();
    assert_eq!(d.mentor, bea());
    assert!(matches!(
        d.step.unwrap().action,
        Action::Reassign {
            why: Why::MentorLeft {
                how: Departure::NotListed
            },
            ..
        }
    ));
}

fn step_of(checkup: &matchbot_model::Checkup, pool: &matchbot_model::MentorPool) -> Action {
    decide(checkup, pool).unwrap().step.unwrap().action
}

#[test]
fn a_blocked_or_withdrawn_learner_is_closed_quietly_not_reassigned() {
    let mut left = pool();
    left.opted_out.push(mentor("Ada", 1));
    let mut blocked = checkup(day(3));
    blocked.learner_blocked = true;
    let close = step(next(&rules(), &request(), &blocked, &left));
    assert_eq!(
        (close.id.as_str(), close.action),
        (
            "close",
            Action::Close {
                why: Closing::LearnerBlocked
            }
        )
    );
    let mut withdrawn = checkup(day(3));
    withdrawn.request_added = None;
    assert_eq!(
        step(next(&rules(), &request(), &withdrawn, &left)).action,
        Action::Close {
            why: Closing::Withdrawn
        }
    );
    withdrawn.history.push(event(
        "contact-1",
        EventKind::Contacted,
        day(2),
        ada(),
        "noted",
    ));
    assert_eq!(
        step(next(&rules(), &request(), &withdrawn, &left)).action,
        Action::Close {
            why: Closing::Graduated
        }
    );
    withdrawn
        .history
        .push(event("close", EventKind::Closed, day(3), ada(), "noted"));
    assert_eq!(
        next(&rules(), &request(), &withdrawn, &left),
        Next::Nothing,
        "closed is closed"
    );
}

#[test]
fn a_learner_quiet_for_thirty_days_is_closed_if_their_edits_were_read_that_far() {
    let mut quiet = checkup(day(31));
    quiet.learner_last_edit = None;
    assert_eq!(
        step(next(&rules(), &request(), &quiet, &pool())).action,
        Action::Close {
            why: Closing::LearnerInactive { days: 30 }
        }
    );
    quiet.edits_read_since = Some(day(10));
    assert!(
        !matches!(
            next(&rules(), &request(), &quiet, &pool()),
            Next::Step(Step {
                action: Action::Close { .. },
                ..
            })
        ),
        "edits not read far enough back: not known to be inactive"
    );
    let mut recent = checkup(day(31));
    recent.learner_last_edit = Some(day(0));
    assert!(matches!(
        next(&rules(), &request(), &recent, &pool()),
        Next::Step(Step {
            action: Action::Close { .. },
            ..
        })
    ));
    recent.learner_last_edit = Some(day(2));
    recent.at = day(20);
    assert!(!matches!(
        next(&rules(), &request(), &recent, &pool()),
        Next::Step(Step {
            action: Action::Close { .. },
            ..
        })
    ));
}

#[test]
fn a_waiting_request_is_picked_up_when_a_mentor_is_free_and_left_alone_when_none_is() {
    let mut waiting = checkup(day(1));
    waiting.history = vec![greeting(maintainer(), Level::Maintainer)];
    let d = decide(&waiting, &pool()).unwrap();
    assert!(d.matchmade());
    assert!(
        matches!(d.step.unwrap().action, Action::Reassign { ref from, why: Why::PickedUp } if *from == maintainer())
    );
    let mut nobody = pool();
    nobody.opted_out = nobody.by_category[WRITING_MENTORS].clone();
    assert_eq!(
        decide(&waiting, &nobody),
        None,
        "nobody free: the learner is not told anything"
    );
}

#[test]
fn a_learner_who_asks_gets_a_new_mentor_once_per_rematch_period() {
    let mut wish = checkup(day(2));
    wish.wish = Some(day(1));
    let d = decide(&wish, &pool()).unwrap();
    assert_ne!(d.mentor, ada());
    assert!(matches!(
        d.step.unwrap().action,
        Action::Reassign {
            why: Why::Wish { .. },
            ..
        }
    ));
    // Granted on day 2 (Bea, say); asked again on day 5: waits until day 16.
    let mut granted = event(
        "reassign-1",
        EventKind::Reassigned,
        day(2),
        d.mentor.clone(),
        "posted",
    );
    granted.from = Some(ada());
    granted.reason = Some("wish".into());
    wish.history.push(granted);
    wish.wish = Some(day(5));
    wish.at = day(6);
    assert_eq!(next(&rules(), &request(), &wish, &pool()), Next::Nothing);
    wish.at = day(16);
    wish.learner_last_edit = Some(day(15));
    let again = decide(&wish, &pool()).unwrap();
    assert!(
        again.mentor != ada() && again.mentor != d.mentor,
        "never a former mentor"
    );
    assert_eq!(again.step.unwrap().id, "reassign-2");
}

#[test]
fn nothing_happens_before_a_greeting_took_effect() {
    let mut skipped = checkup(day(20));
    skipped.history[0].outcome = "skipped".into();
    assert_eq!(next(&rules(), &request(), &skipped, &pool()), Next::Nothing);
}
