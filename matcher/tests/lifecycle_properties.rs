//! Properties of the lifecycle over generated months: whatever happens on the wiki, day by
//! day, a learner is never given back a mentor they had, never told the same thing twice,
//! never nudged after contact, and never reassigned while blocked; and a checkup decided twice
//! decides the same.

mod common;

use std::collections::BTreeSet;

use common::*;
use matchbot_matcher::History;
use matchbot_matcher::lifecycle;
use matchbot_model::{Action, Checkup, Contact, Event, EventKind, Level, User, pairing};
use proptest::prelude::*;

/// What happens during one half-day of the generated month.
#[derive(Debug, Clone)]
struct HalfDay {
    /// The current mentor writes on the learner's talk page.
    contact: bool,
    /// Mentor 1, 2 or 3 opts out (0: nobody).
    opts_out: u8,
    learner_blocked: bool,
    learner_edits: bool,
    wish: bool,
    /// The notifier could not post this half-day's step ({{nobots}}, a protected page).
    not_posted: bool,
}

fn half_day() -> impl Strategy<Value = HalfDay> {
    (
        prop::bool::weighted(0.03),
        prop_oneof![8 => Just(0u8), 1 => 1u8..=3],
        prop::bool::weighted(0.01),
        prop::bool::weighted(0.5),
        prop::bool::weighted(0.02),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(contact, opts_out, learner_blocked, learner_edits, wish, not_posted)| HalfDay {
                contact,
                opts_out,
                learner_blocked,
                learner_edits,
                wish,
                not_posted,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_month_of_checkups_keeps_every_promise(month in prop::collection::vec(half_day(), 60), start_waiting in any::<bool>()) {
        let policy = policy();
        let rules = rules();
        let mut pool = pool();
        let first = if start_waiting { greeting(maintainer(), Level::Maintainer) } else { greeting(ada(), Level::Skill) };
        let mut history: Vec<Event> = vec![first];
        let mut last_edit = Some(greeted_at());
        let mut wish = None;
        let mut blocked = false;
        let mut contact: Option<Contact> = None;
        for (i, half) in month.iter().enumerate() {
            let at = greeted_at().plus_seconds((i as i64 + 1) * DAY / 2);
            let now = pairing(&history).expect("greeted");
            if half.learner_edits { last_edit = Some(at); }
            if half.wish { wish = Some(at.plus_seconds(-60)); }
            blocked |= half.learner_blocked;
            if half.opts_out > 0 {
                let gone = common::mentor(["Ada", "Bea", "Cy"][usize::from(half.opts_out - 1)], u64::from(half.opts_out));
                if !pool.opted_out.contains(&gone) { pool.opted_out.push(gone); }
            }
            if half.contact && contact.as_ref().is_none_or(|c| c.by.id != now.mentor.id) {
                contact = Some(Contact { by: now.mentor.clone(), page: "Wikipedia talk:Co-op/Ken".into(), revid: i as u64, at });
            }
            let checkup = Checkup {
                at,
                contact: contact.clone().filter(|c| c.by.id == now.mentor.id && c.at >= now.since),
                learner_last_edit: last_edit,
                edits_read_since: Some(at.plus_seconds(-31 * DAY)),
                learner_blocked: blocked,
                request_added: Some(t0()),
                wish,
                history: history.clone(),
            };
            let decided = lifecycle::decide(&policy, &rules, &request(), &checkup, &pool, &History::new()).unwrap();
            let again = lifecycle::decide(&policy, &rules, &request(), &checkup, &pool, &History::new()).unwrap();
            prop_assert_eq!(&decided, &again, "the same checkup decides the same");
            let Some(decision) = decided else { continue };
            let step = decision.step.clone().expect("a step");
            prop_assert!(!history.iter().any(|e| e.step == step.id), "step {} twice", step.id);
            let former: BTreeSet<u64> = history.iter()
                .filter(|e| matches!(e.kind, EventKind::Greeted | EventKind::Reassigned))
                .map(|e| e.mentor.id).collect();
            let contacted = history.iter().any(|e| e.kind == EventKind::Contacted && e.mentor.id == now.mentor.id);
            let mut from: Option<User> = None;
            let mut reason = None;
            match &step.action {
                Action::Reassign { from: before, why } => {
                    prop_assert!(!blocked, "reassigned while blocked");
                    prop_assert_eq!(before, &now.mentor);
                    prop_assert!(decision.mentor == maintainer() || !former.contains(&decision.mentor.id),
                        "{} given back to the learner", decision.mentor.name);
                    from = Some(before.clone());
                    reason = Some(why.name().to_owned());
                }
                Action::Nudge { .. } => {
                    prop_assert!(!blocked && !contacted, "nudged after contact or while blocked");
                    prop_assert_eq!(&decision.mentor, &now.mentor);
                }
                Action::Contacted { contact } => prop_assert_eq!(&contact.by, &now.mentor),
                Action::Close { .. } => {}
            }
            let quiet = step.action.is_quiet();
            let outcome = if quiet { "noted" } else if half.not_posted { "skipped" } else { "posted" };
            history.push(Event {
                step: step.id.clone(),
                kind: step.action.event(),
                at,
                mentor: decision.mentor.clone(),
                level: decision.level,
                from,
                reason,
                outcome: outcome.into(),
            });
        }
        // Told at most once per pairing: one reassignment away from each mentor that reached the wiki.
        let mut told = BTreeSet::new();
        for e in history.iter().filter(|e| e.kind == EventKind::Reassigned && e.took_effect()) {
            let from = e.from.as_ref().map(|f| f.id);
            if from != Some(maintainer().id) {
                prop_assert!(told.insert(from), "reassigned away from {from:?} twice");
            }
        }
    }
}
