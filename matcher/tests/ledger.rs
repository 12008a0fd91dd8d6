//! The ledger against the real Redis: for every request of a batch, the load it reads for each
//! mentor must be what counting every assignment ever written would give (inside the request's
//! window, before or after it), though it reads only the assignments near the batch's
//! edges and counts the rest. Boundaries are where that can go wrong, so assignments sit exactly
//! on them.

use std::time::Duration;

use matchbot_bus::{Bus, Delivery, Redelivery, Signing};
use matchbot_matcher::{Place, ledger};
use matchbot_model::{
    Decision, Level, Mentor, MentorPool, PageRef, Request, RequestId, Timestamp, User,
};
use matchbot_secret::Secret;

const DAYS: u32 = 30;
const WINDOW: i64 = DAYS as i64 * 86_400;
const CATEGORY: &str = "Category:Co-op/Requests/Writing";

fn mentor(id: u64) -> User {
    User {
        name: format!("Mentor {id}"),
        id,
    }
}

fn request(profile: u64, added: i64) -> Request {
    let added = Timestamp::parse("1970-01-01T00:00:00Z")
        .expect("a time")
        .plus_seconds(added);
    Request {
        request_id: RequestId::new(profile, CATEGORY, added),
        profile: PageRef {
            id: profile,
            title: format!("Wikipedia:Co-op/Learner {profile}"),
        },
        category: CATEGORY.into(),
        category_added: added,
        learner: User {
            name: format!("Learner {profile}"),
            id: profile,
        },
        scanned_at: added,
        checkup: None,
        settings: None,
        learner_facts: None,
    }
}

fn decision(request: Request, mentor_id: u64) -> Decision {
    Decision {
        request,
        mentor: mentor(mentor_id),
        mentor_profile: None,
        level: Level::Skill,
        mentor_skill: "writing".into(),
        explanation: None,
        step: None,
    }
}

/// A bus on the real Redis whose keys are derived from `prefix`.
async fn bus(prefix: &str) -> Bus {
    let redelivery = Redelivery {
        claim_idle: Duration::from_secs(300),
        max_deliveries: 5,
    };
    let signing = Signing::new(
        Secret::new("the ledger tests' signing key, long enough"),
        [],
    );
    Bus::connect(
        "redis://127.0.0.1:6379/",
        prefix,
        signing,
        redelivery,
        Duration::from_secs(3600),
    )
    .await
    .expect("Redis runs on 127.0.0.1:6379 (scripts/sandbox up)")
}

/// Deletes every key of `bus`, so a test leaves the shared Redis as it found it.
async fn forget_every_key(bus: &Bus) {
    let mut conn = bus.connection();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", bus.namespace()))
        .query_async(&mut conn)
        .await
        .expect("list keys");
    if !keys.is_empty() {
        let () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .expect("delete keys");
    }
}

/// Writes `assignments` to a fresh ledger, reads it for `batch` and compares every load.
async fn loads_agree(name: &str, assignments: &[Decision], batch: &[Request]) {
    let prefix = format!("matchbot-test:ledger-{name}-{}:", std::process::id());
    let bus = bus(&prefix).await;
    for chunk in assignments.chunks(100) {
        let mut commit = bus.commit_builder();
        for decision in chunk {
            ledger::write(&mut commit, decision, DAYS, decision.request.scanned_at)
                .expect("a ledger entry");
        }
        bus.commit(commit).await.expect("write the ledger");
    }
    let mentors = [1, 2, 3];
    let pool = MentorPool {
        general: mentors
            .iter()
            .map(|&id| Mentor {
                user: mentor(id),
                profile: PageRef {
                    id: 100 + id,
                    title: format!("Wikipedia:Co-op/Mentor {id}"),
                },
            })
            .collect(),
        ..MentorPool::default()
    };
    let deliveries: Vec<Delivery<Request>> = batch
        .iter()
        .enumerate()
        .map(|(i, r)| Delivery {
            id: format!("1-{i}"),
            payload: r.clone(),
            traceparent: None,
        })
        .collect();
    let history = ledger::read(&bus, &pool, &deliveries, DAYS)
        .await
        .expect("read the ledger");
    // Writing an assignment trims its mentor's assignments older than the load window and a
    // day before it; written in time order, what is left of each mentor's is what lies within
    // that of their newest.
    let newest = |m: u64| {
        assignments
            .iter()
            .filter(|d| d.mentor.id == m)
            .map(|d| d.request.category_added.unix())
            .max()
            .unwrap_or(0)
    };
    let kept: Vec<&Decision> = assignments
        .iter()
        .filter(|d| d.request.category_added.unix() >= newest(d.mentor.id) - WINDOW - 86_400)
        .collect();
    let mut counted = 0;
    for request in batch {
        let place = Place::of(request);
        for &m in &mentors {
            let expected = kept
                .iter()
                .filter(|d| d.mentor.id == m)
                .map(|d| Place::of(&d.request))
                .filter(|p| p.added > place.added - WINDOW && p.request_id != place.request_id)
                .count() as u32;
            counted += usize::from(expected > 0);
            assert_eq!(
                history.load(m, request, DAYS),
                expected,
                "{name}: load of mentor {m} for the request added at {}",
                place.added
            );
        }
    }
    forget_every_key(&bus).await;
    for delivery in deliveries {
        drop(delivery.payload);
    }
    assert!(
        counted > batch.len() * mentors.len() / 2,
        "{name}: most loads should be above 0, not only {counted}"
    );
}

/// Assignments every 5.4 hours from five days before the window of the batch added from
/// `earliest` to `latest` up to its end, spread over three mentors, plus three on each
/// boundary.
fn assignments(earliest: i64, latest: i64) -> Vec<Decision> {
    let start = earliest - WINDOW - 5 * 86_400;
    let mut times: Vec<i64> = (start..latest).step_by(19_441).collect();
    for edge in [earliest, latest, latest - WINDOW, earliest - WINDOW] {
        times.extend([edge - 1, edge, edge + 1]);
    }
    times.sort();
    times
        .iter()
        .enumerate()
        .map(|(k, &t)| decision(request(10_000 + k as u64, t), 1 + k as u64 % 3))
        .collect()
}

/// Twenty requests, one every `step` seconds from `earliest`, decided as one batch against
/// assignments all around it.
async fn batch_agrees(name: &str, earliest: i64, step: i64) {
    let batch: Vec<Request> = (0..20)
        .map(|i| request(500 + i, earliest + i as i64 * step))
        .collect();
    let latest = earliest + 19 * step;
    loads_agree(name, &assignments(earliest, latest), &batch).await;
}

#[tokio::test]
async fn a_batch_shorter_than_the_window_reads_the_same_loads_as_counting_everything() {
    // Sixteen hours of requests; the first and the last share their second with an assignment
    // (ids break the tie).
    batch_agrees("short", 1_780_000_000 + 60 * 86_400, 3_000).await;
}

#[tokio::test]
async fn a_batch_longer_than_the_window_reads_the_same_loads_as_counting_everything() {
    // Sixty days of requests in one batch, as a replay of an old stream could give.
    batch_agrees("long", 1_780_000_000 + 20 * 86_400, 3 * 86_400).await;
}

/// A greeting skipped, refused or never carried out holds no mentor's place: an assignment
/// counts toward the load while its greeting is in flight (so decisions made meanwhile respect
/// the caps), for `matcher.in_flight_seconds` at most, and for good once it is posted.
#[tokio::test]
async fn only_greetings_posted_or_in_flight_for_a_while_count_toward_a_load() {
    use matchbot_model::{Outcome, OutcomeKind};

    const IN_FLIGHT: u64 = 3_600;
    let prefix = format!("matchbot-test:ledger-settle-{}:", std::process::id());
    let bus = bus(&prefix).await;
    let pool = MentorPool {
        general: vec![Mentor {
            user: mentor(1),
            profile: PageRef {
                id: 101,
                title: "Wikipedia:Co-op/Mentor 1".into(),
            },
        }],
        ..MentorPool::default()
    };
    let t = 1_000_000_000;
    let decided_at = |r: &Request| r.scanned_at;
    let later = request(99, t + 1_000);
    let load = async || {
        let batch = [Delivery {
            id: "1-0".into(),
            payload: later.clone(),
            traceparent: None,
        }];
        let history = ledger::read(&bus, &pool, &batch, DAYS)
            .await
            .expect("read the ledger");
        history.load(1, &later, DAYS)
    };
    let outcome = |d: &Decision, kind: OutcomeKind| Outcome {
        decision: d.clone(),
        talk_page: "Wikipedia talk:Co-op/Learner".into(),
        kind,
        at: d.request.scanned_at,
    };
    let commit = async |write: &dyn Fn(&mut matchbot_bus::Commit)| {
        let mut commit = bus.commit_builder();
        write(&mut commit);
        bus.commit(commit).await.expect("commit");
    };

    let skipped = decision(request(1, t), 1);
    let posted = decision(request(2, t + 10), 1);
    let lost = decision(request(3, t + 20), 1);
    for d in [&skipped, &posted, &lost] {
        commit(&|c| ledger::write(c, d, DAYS, decided_at(&d.request)).expect("an entry")).await;
    }
    assert_eq!(load().await, 3, "all three in flight");

    let skip = OutcomeKind::Skipped {
        reason: "{{bots}}".into(),
    };
    commit(&|c| ledger::settle(c, &outcome(&skipped, skip.clone()))).await;
    let post = OutcomeKind::Posted {
        revid: 7,
        already: false,
        postid: None,
    };
    commit(&|c| ledger::settle(c, &outcome(&posted, post.clone()))).await;
    assert_eq!(load().await, 2, "the skipped greeting counts no more");

    // Within its time in flight, the lost one still counts; past it, no longer.
    let deadline = lost.request.scanned_at.plus_seconds(IN_FLIGHT as i64);
    let expired = ledger::expire_in_flight(&bus, deadline.plus_seconds(-1), IN_FLIGHT)
        .await
        .expect("expire");
    assert_eq!((expired, load().await), (0, 2));
    let expired = ledger::expire_in_flight(&bus, deadline.plus_seconds(1), IN_FLIGHT)
        .await
        .expect("expire");
    assert_eq!(
        (expired, load().await),
        (1, 1),
        "only the posted greeting counts"
    );
    // The posted one was settled: it never expires.
    let expired = ledger::expire_in_flight(&bus, deadline.plus_seconds(86_400), IN_FLIGHT)
        .await
        .expect("expire");
    assert_eq!((expired, load().await), (0, 1));

    // Posted after all, late: it counts again. Settling twice changes nothing.
    for _ in 0..2 {
        commit(&|c| ledger::settle(c, &outcome(&lost, post.clone()))).await;
    }
    assert_eq!(load().await, 2);

    forget_every_key(&bus).await;
}
