//! Forty days of the Co-op replayed with a clock stepped every half day: four learners, three
//! mentors, and what the lifecycle decided each time, held against a golden transcript. Each
//! step decided is recorded as the recorder would, and fed back into the next checkup, as the
//! running workers do.
//!
//! After an intended change, `MATCHBOT_BLESS=1 cargo test -p matchbot-matcher --test
//! lifecycle_month` rewrites `tests/golden/lifecycle-month.txt`; review its diff like code.

mod common;

use std::fmt::Write;

use common::*;
use matchbot_matcher::History;
use matchbot_matcher::lifecycle;
use matchbot_model::{
    Action, Checkup, Contact, Event, EventKind, Level, PageRef, Request, RequestId, User,
};

/// One learner of the month.
struct Learner {
    request: Request,
    history: Vec<Event>,
    /// Stops editing after this day.
    edits_until: i64,
    /// Takes the request off on this day.
    withdraws_on: Option<i64>,
    /// Their mentor writes to them on this day (once per mentor).
    answered_on: Option<(i64, u64)>,
}

fn learner(name: &str, id: u64, mentor: User) -> Learner {
    let mut request = request();
    request.request_id = RequestId::new(id, WRITING, t0());
    request.profile = PageRef {
        id,
        title: format!("Wikipedia:Co-op/{name}"),
    };
    request.learner = user(name, id + 100);
    Learner {
        request,
        history: vec![greeting(mentor, Level::Skill)],
        edits_until: 31,
        withdraws_on: None,
        answered_on: None,
    }
}

#[test]
fn a_month_of_checkups_decides_as_the_golden_transcript_says() {
    let mut learners = vec![
        Learner {
            answered_on: Some((2, 1)),
            withdraws_on: Some(20),
            ..learner("Zoë", 11, ada())
        },
        learner("Ken", 12, bea()),
        learner("Nia", 13, cy()),
        Learner {
            edits_until: 0,
            ..learner("Mo", 14, ada())
        },
    ];
    let policy = policy();
    let rules = rules();
    let mut pool = pool();
    let mut transcript = String::new();
    for half_days in 1..=80 {
        let at = greeted_at().plus_seconds(half_days * DAY / 2);
        let day = half_days as f64 / 2.0;
        if half_days == 10 {
            pool.opted_out.push(common::mentor("Cy", 3));
            let _ = writeln!(transcript, "day {day:>4}: Cy opts out");
        }
        for l in &mut learners {
            let now = matchbot_model::pairing(&l.history).expect("greeted");
            let contact = l
                .answered_on
                .filter(|(d, mentor)| *d * 2 <= half_days && *mentor == now.mentor.id)
                .map(|(d, _)| Contact {
                    by: now.mentor.clone(),
                    page: format!("Wikipedia talk:Co-op/{}", l.request.learner.name),
                    revid: 1000 + l.request.profile.id,
                    at: greeted_at().plus_seconds(d * DAY),
                });
            let last_edit = greeted_at().plus_seconds(l.edits_until.min(half_days / 2) * DAY);
            let checkup = Checkup {
                at,
                contact,
                learner_last_edit: Some(last_edit),
                edits_read_since: Some(at.plus_seconds(-31 * DAY)),
                learner_blocked: false,
                request_added: match l.withdraws_on {
                    Some(d) if d * 2 <= half_days => None,
                    _ => Some(t0()),
                },
                wish: None,
                history: l.history.clone(),
            };
            let decided = lifecycle::decide(
                &policy,
                &rules,
                &l.request,
                &checkup,
                &pool,
                &History::new(),
            )
            .expect("decided");
            let Some(decision) = decided else { continue };
            let step = decision.step.expect("a step");
            let (from, reason) = match &step.action {
                Action::Reassign { from, why } => (Some(from.clone()), Some(why.name().to_owned())),
                Action::Close { why } => (None, Some(format!("{why:?}"))),
                _ => (None, None),
            };
            let _ = writeln!(
                transcript,
                "day {day:>4}: {:<4} {:<12} {:<10} {}{}{}",
                l.request.learner.name,
                step.id,
                step.action.event().name(),
                from.as_ref()
                    .map_or(String::new(), |f| format!("{} → ", f.name)),
                decision.mentor.name,
                reason.as_ref().map_or(String::new(), |r| format!(" ({r})")),
            );
            l.history.push(Event {
                step: step.id.clone(),
                kind: step.action.event(),
                at,
                mentor: decision.mentor.clone(),
                level: decision.level,
                from,
                reason,
                outcome: if step.action.is_quiet() {
                    "noted"
                } else {
                    "posted"
                }
                .into(),
            });
        }
    }
    for l in &learners {
        let closed = l.history.iter().any(|e| e.kind == EventKind::Closed);
        let _ = writeln!(
            transcript,
            "end: {:<4} {} steps{}",
            l.request.learner.name,
            l.history.len(),
            if closed { ", closed" } else { "" }
        );
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/lifecycle-month.txt");
    if std::env::var_os("MATCHBOT_BLESS").is_some() {
        std::fs::write(&path, &transcript).expect("write the golden transcript");
        return;
    }
    let golden =
        std::fs::read_to_string(&path).expect("the golden transcript (MATCHBOT_BLESS=1 writes it)");
    assert!(
        golden == transcript,
        "the month differs from {}:\n--- golden\n{golden}\n--- now\n{transcript}",
        path.display()
    );
}
