//! A synthetic Co-op's outcomes, for the recorder's tests and benchmark: as many as wanted,
//! each different, each as the notifier writes it.

use std::collections::BTreeMap;
use std::ops::Range;

use matchbot_model::{
    Candidate, Decision, Explanation, Level, LevelReport, Outcome, OutcomeKind, PageRef, Request,
    RequestId, Selection, Timestamp, User,
};

use crate::Run;

const WRITING: &str = "Category:Co-op/Requests/Writing";

/// Outcome `i` of a synthetic Co-op: learner `Learner i` asked for writing and was greeted by
/// one of 40 mentors; the decision carries a three-candidate explanation, as real ones do.
pub fn outcome(i: u64) -> Outcome {
    let added = Timestamp::parse("2026-11-01T00:00:00Z")
        .expect("a time")
        .plus_seconds(i as i64);
    let mentor = User {
        name: format!("Mentor {}", i % 40),
        id: 1_000 + i % 40,
    };
    let explanation = Explanation {
        seed: 1,
        selection: Selection::LeastLoaded,
        load_days: 30,
        as_of: added,
        pool_taken_at: Some(added),
        levels: vec![LevelReport {
            level: Level::Skill,
            category: "Category:Co-op mentors with writing skills".into(),
            listed: 3,
            excluded: Vec::new(),
            candidates: (0..3)
                .map(|k| Candidate {
                    mentor: User {
                        name: format!("Mentor {k}"),
                        id: 1_000 + u64::from(k),
                    },
                    load: k,
                    base_weight: 1,
                    weight: 1.0 / (1.0 + f64::from(k)),
                })
                .collect(),
        }],
        level: Level::Skill,
        chosen: mentor.clone(),
        draw: Some(0.5),
        settings: None,
        learner_gate: None,
    };
    Outcome {
        decision: Decision {
            request: Request {
                request_id: RequestId::new(100_000 + i, WRITING, added),
                profile: PageRef {
                    id: 100_000 + i,
                    title: format!("Wikipedia:Co-op/Learner {i}"),
                },
                category: WRITING.into(),
                category_added: added,
                learner: User {
                    name: format!("Learner {i}"),
                    id: 200_000 + i,
                },
                scanned_at: added,
                checkup: None,
                settings: None,
                learner_facts: None,
            },
            mentor: mentor.clone(),
            mentor_profile: Some(PageRef {
                id: 5_000 + i % 40,
                title: format!("Wikipedia:Co-op/{}", mentor.name),
            }),
            level: Level::Skill,
            mentor_skill: "writing".into(),
            explanation: Some(explanation),
            step: None,
        },
        talk_page: format!("Wikipedia talk:Co-op/Learner {i}"),
        kind: OutcomeKind::Posted {
            revid: 300_000 + i,
            already: false,
            postid: None,
        },
        at: added.plus_seconds(90),
    }
}

/// The trace context outcome `i` travels with.
pub fn traceparent(i: u64) -> String {
    format!("00-{:032x}-{:016x}-01", i + 1, i + 1)
}

impl Run {
    /// Adds the synthetic outcomes `range` to this run's outcomes stream, each with its
    /// [`traceparent`], pipelined a thousand at a time.
    pub async fn add_outcomes(&self, range: Range<u64>) {
        let bus = self.bus().await;
        let ids: Vec<u64> = range.collect();
        for page in ids.chunks(1_000) {
            let entries: Vec<BTreeMap<String, String>> = page
                .iter()
                .map(|&i| {
                    let payload =
                        serde_json::to_string(&outcome(i)).expect("an outcome serialises");
                    BTreeMap::from([
                        ("payload".to_owned(), payload),
                        ("traceparent".to_owned(), traceparent(i)),
                    ])
                })
                .collect();
            bus.replay(matchbot_bus::Stream::Outcomes, &entries)
                .await
                .expect("add the outcomes, signed");
        }
    }
}
