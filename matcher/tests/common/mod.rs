//! A Co-op to follow matches in, for the lifecycle's tests: three writing mentors, the
//! maintainer, a learner greeted naming Ada, and a clock counted in days from the greeting.

#![allow(dead_code)]

use matchbot_config::{LifecycleConfig, MatcherConfig, Skill};
use matchbot_matcher::Policy;
use matchbot_matcher::lifecycle::Rules;
use matchbot_model::{
    Checkup, Event, EventKind, Level, Mentor, MentorPool, PageRef, Request, RequestId, Timestamp,
    User,
};

pub const WRITING: &str = "Category:Co-op/Requests/Writing";
pub const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
pub const GENERAL: &str = "Category:Co-op mentors with general editing skills";
pub const DAY: i64 = 86_400;

pub fn user(name: &str, id: u64) -> User {
    User {
        name: name.into(),
        id,
    }
}

pub fn mentor(name: &str, id: u64) -> Mentor {
    Mentor {
        user: user(name, id),
        profile: PageRef {
            id: id + 1000,
            title: format!("Wikipedia:Co-op/{name}"),
        },
    }
}

pub fn ada() -> User {
    user("Ada", 1)
}
pub fn bea() -> User {
    user("Bea", 2)
}
pub fn cy() -> User {
    user("Cy", 3)
}
pub fn maintainer() -> User {
    user("Jtmorgan", 99)
}
pub fn learner() -> User {
    user("Ken", 10)
}

/// When the request was made; the greeting came an hour later.
pub fn t0() -> Timestamp {
    Timestamp::parse("2026-11-01T10:00:00Z").unwrap()
}

pub fn greeted_at() -> Timestamp {
    t0().plus_seconds(3600)
}

/// `days` (and `seconds`) after the greeting.
pub fn day(days: i64) -> Timestamp {
    greeted_at().plus_seconds(days * DAY)
}

pub fn policy() -> Policy {
    Policy {
        skills: vec![Skill {
            name: "writing".into(),
            request_category: WRITING.into(),
            mentor_category: WRITING_MENTORS.into(),
        }],
        general_category: GENERAL.into(),
        general_skill: "general editing skills".into(),
        revision: None,
        settings: MatcherConfig {
            seed: 7,
            ..MatcherConfig::default()
        },
    }
}

pub fn rules() -> Rules {
    Rules::new(&LifecycleConfig::default(), &MatcherConfig::default())
}

pub fn pool() -> MentorPool {
    let mut pool = MentorPool {
        taken_at: Some(t0()),
        maintainer: Some(maintainer()),
        ..MentorPool::default()
    };
    pool.by_category.insert(
        WRITING_MENTORS.into(),
        vec![mentor("Ada", 1), mentor("Bea", 2), mentor("Cy", 3)],
    );
    pool
}

pub fn request() -> Request {
    Request {
        request_id: RequestId::new(8, WRITING, t0()),
        profile: PageRef {
            id: 8,
            title: "Wikipedia:Co-op/Ken".into(),
        },
        category: WRITING.into(),
        category_added: t0(),
        learner: learner(),
        scanned_at: t0(),
        checkup: None,
        settings: None,
        learner_facts: None,
    }
}

pub fn event(step: &str, kind: EventKind, at: Timestamp, mentor: User, outcome: &str) -> Event {
    Event {
        step: step.into(),
        kind,
        at,
        mentor,
        level: Level::Skill,
        from: None,
        reason: None,
        outcome: outcome.into(),
    }
}

pub fn greeting(mentor: User, level: Level) -> Event {
    Event {
        level,
        ..event(
            "greeting",
            EventKind::Greeted,
            greeted_at(),
            mentor,
            "posted",
        )
    }
}

/// A checkup `at`, of a learner greeted naming Ada who edited yesterday, nothing else seen.
pub fn checkup(at: Timestamp) -> Checkup {
    Checkup {
        at,
        contact: None,
        learner_last_edit: Some(at.plus_seconds(-DAY)),
        edits_read_since: Some(at.plus_seconds(-31 * DAY)),
        learner_blocked: false,
        request_added: Some(t0()),
        wish: None,
        history: vec![greeting(ada(), Level::Skill)],
    }
}
