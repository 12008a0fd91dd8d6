//! The ledger against the real Redis: for every request of a batch, the load it reads for each
//! mentor must be what counting every assignment ever written would give (inside the request's
//! window, before it in request order), though it reads only the assignments near the batch's
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
    }
}

/// Writes `assignments` to a fresh ledger, reads it for `batch` and compares every load.
async fn loads_agree(name: &str, assignments: &[Decision], batch: &[Request]) {
    let prefix = format!("matchbot-test:ledger-{name}-{}:", std::process::id());
    let redelivery = Redelivery {
        claim_idle: Duration::from_secs(300),
        max_deliveries: 5,
    };
    let signing = Signing::new(
        Secret::new("the ledger tests' signing key, long enough"),
        [],
    );
    let bus = Bus::connect(
        "redis://127.0.0.1:6379/",
        &prefix,
        signing,
        redelivery,
        Duration::from_secs(3600),
    )
    .await
    .expect("Redis runs on 127.0.0.1:6379 (scripts/sandbox up)");
    for chunk in assignments.chunks(100) {
        let mut commit = bus.commit_builder();
        for decision in chunk {
            ledger::write(&mut commit, decision, DAYS).expect("a ledger entry");
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
                .filter(|p| p.added > place.added - WINDOW && *p < place)
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
