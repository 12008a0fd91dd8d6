//! The matcher binary against the real Redis while the mentor pool changes under it: every
//! decision must agree, whole, with one version of the pool the scanner wrote (the one its
//! explanation names), never with half of one and half of another.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use harness::Run;
use matchbot_bus::Stream;
use matchbot_model::{
    Decision, Level, Mentor, MentorPool, PageRef, Reason, Request, RequestId, Timestamp, User,
};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const REQUESTS: u64 = 300;

fn mentor(name: &str, id: u64) -> Mentor {
    Mentor {
        user: User {
            name: name.into(),
            id,
        },
        profile: PageRef {
            id: id + 1000,
            title: format!("Wikipedia:Co-op/{name}"),
        },
    }
}

/// Before: Ada is the only writing mentor. After: Bea joined, and Ada opted out.
fn versions() -> (MentorPool, MentorPool) {
    let base = MentorPool {
        maintainer: Some(User {
            name: "Maintainer".into(),
            id: 1,
        }),
        ..MentorPool::default()
    };
    let mut before = base.clone();
    before.taken_at = Timestamp::parse("2026-11-21T10:00:00Z").ok();
    before
        .by_category
        .insert(WRITING_MENTORS.into(), vec![mentor("Ada", 10)]);
    let mut after = base;
    after.taken_at = Timestamp::parse("2026-11-21T10:00:01Z").ok();
    after.by_category.insert(
        WRITING_MENTORS.into(),
        vec![mentor("Ada", 10), mentor("Bea", 20)],
    );
    after.opted_out = vec![mentor("Ada", 10)];
    (before, after)
}

fn request(n: u64) -> Request {
    let added = Timestamp::parse("2026-11-21T09:00:00Z")
        .expect("a time")
        .plus_seconds(n as i64);
    Request {
        request_id: RequestId::new(5000 + n, WRITING, added),
        profile: PageRef {
            id: 5000 + n,
            title: format!("Wikipedia:Co-op/Learner {n}"),
        },
        category: WRITING.into(),
        category_added: added,
        learner: User {
            name: format!("Learner {n}"),
            id: 5000 + n,
        },
        scanned_at: added,
        checkup: None,
        settings: None,
        learner_facts: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_decision_agrees_with_one_whole_version_of_a_pool_that_changes_under_it() {
    let run = Run::new("pool-flips", |_| {});
    let (before, after) = versions();
    run.set_pool(&serde_json::to_string(&before).expect("a pool"))
        .await;

    // A scanner that rewrites the pool as fast as Redis lets it, alternating the two versions.
    let flipping = Arc::new(AtomicBool::new(true));
    let writer = {
        let flipping = flipping.clone();
        let bus = run.bus().await;
        let (before, after) = (before.clone(), after.clone());
        tokio::spawn(async move {
            let mut writes = 0u64;
            while flipping.load(Ordering::Relaxed) {
                let version = if writes.is_multiple_of(2) {
                    &after
                } else {
                    &before
                };
                let mut commit = bus.commit_builder();
                commit.set_mentor_pool(version).expect("encode the pool");
                bus.commit(commit).await.expect("write the pool");
                writes += 1;
            }
            writes
        })
    };

    let matcher = run.spawn("matchbot-matcher", &[]);
    for n in 0..REQUESTS {
        let payload = serde_json::to_string(&request(n)).expect("a request");
        run.add_signed(Stream::Requests, &payload).await;
        if n % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    run.wait_until("every request decided", Duration::from_secs(60), || async {
        run.export("decisions").await.len() as u64 == REQUESTS
    })
    .await;
    flipping.store(false, Ordering::Relaxed);
    let writes = writer.await.expect("the writer ends");
    matcher.stop().await;

    let mut seen = [0usize; 2];
    for d in run.export("decisions").await {
        let d: Decision = serde_json::from_str(&d).expect("a decision");
        let e = d.explanation.as_ref().expect("an explanation");
        let writing = &e.levels[0];
        if e.pool_taken_at == before.taken_at {
            seen[0] += 1;
            assert_eq!(writing.listed, 1, "{d:?}");
            assert!(writing.excluded.is_empty(), "{d:?}");
            assert_eq!((d.mentor.name.as_str(), d.level), ("Ada", Level::Skill));
        } else if e.pool_taken_at == after.taken_at {
            seen[1] += 1;
            assert_eq!(writing.listed, 2, "{d:?}");
            assert_eq!(writing.excluded.len(), 1, "{d:?}");
            assert_eq!(writing.excluded[0].mentor.name, "Ada");
            assert_eq!(writing.excluded[0].reason, Reason::OptedOut);
            assert_eq!((d.mentor.name.as_str(), d.level), ("Bea", Level::Skill));
        } else {
            panic!("a decision names a pool nobody wrote: {d:?}");
        }
    }
    println!(
        "{writes} pool writes; {} decisions on the first version, {} on the second",
        seen[0], seen[1]
    );
}
