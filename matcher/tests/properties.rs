//! Properties of the matching policy over generated pools: whatever the pool's shape, the chosen
//! mentor is never the learner, never opted out, blocked, away, inactive, weighted 0 or over
//! their cap; the level is the first one with anyone eligible; every listed mentor is accounted
//! for in the explanation; and over 10,000 draws each mentor's share is within 0.025 of their
//! weight's share (at least five standard deviations for 10,000 draws).

use std::collections::BTreeMap;

use matchbot_config::{MatcherConfig, MentorSettings, Skill};
use matchbot_matcher::{History, Place, Policy};
use matchbot_model::{
    Away, Level, Mentor, MentorPool, PageRef, Request, RequestId, Selection, Timestamp, User,
};
use proptest::prelude::*;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const GENERAL: &str = "Category:Co-op mentors with general editing skills";
const SCANNED: &str = "2026-11-21T12:00:00Z";

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("a timestamp")
}

/// Everything about one generated mentor.
#[derive(Debug, Clone)]
struct Shape {
    offers_skill: bool,
    general: bool,
    opted_out: bool,
    blocked: bool,
    /// 0: not away, 1: back in the past, 2: back in the future, 3: no date.
    away: u8,
    /// Days since the last edit; `None`: unknown.
    idle_days: Option<u32>,
    weight: u32,
    cap: Option<u32>,
    load: u32,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        0u8..4,
        proptest::option::of(0u32..120),
        (0u32..4, proptest::option::of(0u32..4), 0u32..5),
    )
        .prop_map(
            |(
                (offers_skill, general, opted_out, blocked),
                away,
                idle_days,
                (weight, cap, load),
            )| {
                Shape {
                    offers_skill,
                    general,
                    opted_out,
                    blocked,
                    away,
                    idle_days,
                    weight,
                    cap,
                    load,
                }
            },
        )
}

fn user(i: usize) -> User {
    User {
        name: format!("M{i}"),
        id: 100 + i as u64,
    }
}

fn mentor(i: usize) -> Mentor {
    Mentor {
        user: user(i),
        profile: PageRef {
            id: 1000 + i as u64,
            title: format!("Wikipedia:Co-op/M{i}"),
        },
    }
}

fn request(learner: User, n: u64) -> Request {
    let added = at("2026-11-21T11:00:00Z");
    Request {
        request_id: RequestId::new(5000 + n, WRITING, added),
        profile: PageRef {
            id: 5000 + n,
            title: format!("Wikipedia:Co-op/{}", learner.name),
        },
        category: WRITING.into(),
        category_added: added,
        learner,
        scanned_at: at(SCANNED),
        checkup: None,
        settings: None,
        learner_facts: None,
    }
}

/// A world built from the shapes: the pool, the policy's settings and the history of loads.
struct World {
    pool: MentorPool,
    policy: Policy,
    history: History,
}

fn world(shapes: &[Shape], selection: Selection, active_within_days: Option<u32>) -> World {
    let scanned = at(SCANNED);
    let mut pool = MentorPool {
        maintainer: Some(User {
            name: "Maintainer".into(),
            id: 1,
        }),
        ..MentorPool::default()
    };
    let mut skill = Vec::new();
    let mut mentors = BTreeMap::new();
    let mut history = History::new();
    for (i, s) in shapes.iter().enumerate() {
        let m = mentor(i);
        if s.offers_skill {
            skill.push(m.clone());
        }
        if s.general {
            pool.general.push(m.clone());
        }
        if s.opted_out {
            pool.opted_out.push(m.clone());
        }
        if s.blocked {
            pool.blocked.push(m.user.clone());
        }
        let back = match s.away {
            1 => Some("2026-11-01"),
            2 => Some("2026-12-01"),
            3 => Some(""),
            _ => None,
        };
        if let Some(back) = back {
            pool.away.push(Away::new(m.clone(), back));
        }
        if let Some(days) = s.idle_days {
            pool.last_edits.insert(
                m.user.id,
                scanned.plus_seconds(-i64::from(days) * 86_400 - 60),
            );
        }
        mentors.insert(
            m.user.name.clone(),
            MentorSettings {
                weight: s.weight,
                max_active: s.cap,
            },
        );
        for n in 0..s.load {
            history.add_load(
                m.user.id,
                Place {
                    added: at("2026-11-20T00:00:00Z").unix() + i64::from(n),
                    request_id: RequestId::from_stored(format!("earlier-{i}-{n}")),
                },
            );
        }
    }
    pool.by_category.insert(WRITING_MENTORS.into(), skill);
    let policy = Policy {
        skills: vec![Skill {
            name: "writing".into(),
            request_category: WRITING.into(),
            mentor_category: WRITING_MENTORS.into(),
        }],
        general_category: GENERAL.into(),
        general_skill: "general editing skills".into(),
        revision: None,
        settings: MatcherConfig {
            seed: 11,
            selection,
            active_within_days,
            mentors,
            ..MatcherConfig::default()
        },
    };
    World {
        pool,
        policy,
        history,
    }
}

/// The rules, restated independently of the policy: may mentor `i` take this learner?
fn eligible(s: &Shape, i: usize, learner: &User, active_within_days: Option<u32>) -> bool {
    let away = matches!(s.away, 2 | 3);
    let inactive =
        matches!((active_within_days, s.idle_days), (Some(limit), Some(idle)) if idle >= limit);
    let full = s.cap.is_some_and(|cap| s.load >= cap);
    user(i) != *learner && !s.opted_out && !s.blocked && !away && !inactive && s.weight > 0 && !full
}

fn selection() -> impl Strategy<Value = Selection> {
    prop_oneof![Just(Selection::LeastLoaded), Just(Selection::Uniform)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_chosen_mentor_is_always_eligible_and_found_at_the_right_level(
        shapes in proptest::collection::vec(shape(), 0..8),
        selection in selection(),
        active in proptest::option::of(1u32..90),
        learner_is_mentor in proptest::option::of(0usize..8),
        n in 0u64..1000,
    ) {
        let w = world(&shapes, selection, active);
        let learner = match learner_is_mentor {
            Some(i) if i < shapes.len() => user(i),
            _ => User { name: "Learner".into(), id: 9 },
        };
        let r = request(learner.clone(), n);
        let d = w.policy.decide(&r, &w.pool, &w.history).expect("a decision");

        let ok = |i: usize| eligible(&shapes[i], i, &learner, active);
        let skill_level = (0..shapes.len()).any(|i| shapes[i].offers_skill && ok(i));
        let general_level = (0..shapes.len()).any(|i| shapes[i].general && ok(i));
        let expected = if skill_level {
            Level::Skill
        } else if general_level {
            Level::General
        } else {
            Level::Maintainer
        };
        prop_assert_eq!(d.level, expected);
        if d.level == Level::Maintainer {
            prop_assert_eq!(d.mentor.name.as_str(), "Maintainer");
        } else {
            let i = (0..shapes.len()).find(|i| user(*i) == d.mentor).expect("a generated mentor");
            prop_assert!(ok(i), "chose M{} although {:?}", i, shapes[i]);
            prop_assert_ne!(&d.mentor, &learner);
            let listed = if d.level == Level::Skill { shapes[i].offers_skill } else { shapes[i].general };
            prop_assert!(listed, "M{} is not listed at the {:?} level", i, d.level);
        }

        // Every listed person is in the explanation once: excluded or a candidate.
        let e = d.explanation.as_ref().expect("an explanation");
        for level in &e.levels {
            let in_level = |i: &usize| match level.level {
                Level::Skill => shapes[*i].offers_skill,
                _ => shapes[*i].general,
            };
            let listed: Vec<usize> = (0..shapes.len()).filter(in_level).collect();
            prop_assert_eq!(level.listed, listed.len());
            prop_assert_eq!(level.excluded.len() + level.candidates.len(), listed.len());
            for c in &level.candidates {
                prop_assert!(c.weight > 0.0);
            }
        }
        prop_assert_eq!(e.seed, 11);
        prop_assert_eq!(&e.chosen, &d.mentor);

        // The same request decides the same.
        prop_assert_eq!(w.policy.decide(&r, &w.pool, &w.history).expect("a decision"), d);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn over_ten_thousand_draws_each_share_follows_the_weights(
        weights in proptest::collection::vec(1u32..5, 2..5),
        loads in proptest::collection::vec(0u32..5, 5),
        selection in selection(),
    ) {
        let shapes: Vec<Shape> = weights
            .iter()
            .zip(&loads)
            .map(|(weight, load)| Shape {
                offers_skill: true,
                general: false,
                opted_out: false,
                blocked: false,
                away: 0,
                idle_days: None,
                weight: *weight,
                cap: None,
                load: *load,
            })
            .collect();
        let w = world(&shapes, selection, None);
        let learner = User { name: "Learner".into(), id: 9 };
        const DRAWS: u64 = 10_000;
        let mut counts = vec![0u64; shapes.len()];
        for n in 0..DRAWS {
            let d = w
                .policy
                .decide(&request(learner.clone(), n), &w.pool, &w.history)
                .expect("a decision");
            let i = (0..shapes.len()).find(|i| user(*i) == d.mentor).expect("a mentor");
            counts[i] += 1;
        }
        let weight = |s: &Shape| match selection {
            Selection::Uniform => 1.0,
            Selection::LeastLoaded => f64::from(s.weight) / (1.0 + f64::from(s.load)),
        };
        let total: f64 = shapes.iter().map(weight).sum();
        for (i, s) in shapes.iter().enumerate() {
            let expected = weight(s) / total;
            let share = counts[i] as f64 / DRAWS as f64;
            prop_assert!(
                (share - expected).abs() < 0.025,
                "M{} ({:?}): share {:.4}, expected {:.4}", i, s, share, expected
            );
        }
    }
}
