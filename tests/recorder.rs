//! The recorder binary against the real Redis and MariaDB: every outcome becomes one row with
//! its names, skill, level, talk page and trace id; a batch is one upsert and one ack; a
//! redelivered batch changes nothing; an entry that is not an outcome goes to the dead-letter
//! stream and the rest are recorded. A later step of a match's life is a row of `match_events`
//! and leaves `matches` alone.

use harness::Run;
use harness::outcomes::{outcome, traceparent};
use matchbot_bus::Stream;
use matchbot_recorder::BATCH;
use redis::AsyncCommands;
use serde_json::Value;

/// The recorder's "recorded" log lines: (outcomes, rows changed) per batch.
fn batches(stderr: &[u8]) -> Vec<(u64, u64)> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| entry["message"] == "recorded")
        .map(|entry| {
            let field = |name: &str| entry[name].as_u64().unwrap_or(u64::MAX);
            (field("outcomes"), field("rows_changed"))
        })
        .collect()
}

#[tokio::test]
async fn each_outcome_is_one_row_with_its_people_and_trace_and_a_redelivery_changes_nothing() {
    let run = Run::new("recorder", |_| {});
    run.migrate().await;
    // Enough for three batches, with a poison entry in the first.
    let total = 2 * BATCH as u64 + 250;
    run.add_outcomes(0..120).await;
    let mut redis = run.redis().await;
    let outcomes = run.key("outcomes");
    run.add_signed(Stream::Outcomes, "{\"not\": \"an outcome\"}")
        .await;
    run.add_outcomes(120..total).await;

    let out = run.ok("matchbot-recorder", &["--once"]).await;
    // Batches as read (the poison entry is never handed out): each one upsert with one row per
    // outcome, none bigger than a batch.
    let seen = batches(&out.stderr);
    assert_eq!(seen.iter().map(|b| b.0).sum::<u64>(), total, "{seen:?}");
    assert!(
        seen.iter().all(|(outcomes, rows)| outcomes == rows),
        "{seen:?}"
    );
    assert!(
        seen.iter().all(|(outcomes, _)| *outcomes <= BATCH as u64),
        "{seen:?}"
    );
    assert!(seen.len() >= 3, "{seen:?}");

    let rows = run
        .query(
            "SELECT request_id, learner, mentor, skill, fallback_level, talk_page, trace_id, \
             outcome, revid, matchmade, explanation IS NOT NULL FROM matches ORDER BY luid",
        )
        .await;
    assert_eq!(rows.len() as u64, total);
    for (i, row) in rows.iter().enumerate() {
        let expected = outcome(i as u64);
        let decision = &expected.decision;
        let got: (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            u64,
            u8,
            u8,
        ) = mysql_async::from_row(row.clone());
        assert_eq!(
            got,
            (
                decision.request.request_id.to_string(),
                decision.request.learner.name.clone(),
                decision.mentor.name.clone(),
                "writing".to_owned(),
                "skill".to_owned(),
                expected.talk_page.clone(),
                traceparent(i as u64)[3..35].to_owned(),
                "posted".to_owned(),
                300_000 + i as u64,
                1,
                1,
            )
        );
    }

    let dead = run.export("dead-letter").await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(
        dead[0], "{\"not\": \"an outcome\"}",
        "the raw entry is kept"
    );
    let pending: redis::streams::StreamPendingReply = redis
        .xpending(&outcomes, "recorder")
        .await
        .expect("XPENDING");
    assert_eq!(pending.count(), 0, "every entry acked or dead-lettered");

    // The same outcomes again, as a redelivery after a crash between commit and ack would
    // bring them: read, upserted, acked — and no row changes.
    run.add_outcomes(0..total).await;
    let out = run.ok("matchbot-recorder", &["--once"]).await;
    let seen = batches(&out.stderr);
    assert_eq!(seen.iter().map(|b| b.0).sum::<u64>(), total, "{seen:?}");
    assert!(seen.iter().all(|(_, rows)| *rows == 0), "{seen:?}");
    let count = run.query("SELECT COUNT(*) FROM matches").await;
    assert_eq!(count[0].get::<u64, _>(0), Some(total));
}

#[tokio::test]
async fn a_row_the_database_refuses_is_dead_lettered_alone_and_the_batch_is_recorded() {
    let run = Run::new("recorder-refused", |_| {});
    run.migrate().await;
    // A talk page as long as MediaWiki allows: 255 bytes of title after the namespace prefix,
    // 270 characters in all.
    let mut longest = outcome(10);
    longest.talk_page = format!("Wikipedia talk:Co-op/{}", "a".repeat(249));
    // A learner name no wiki could have: the database refuses it.
    let mut impossible = outcome(11);
    impossible.decision.request.learner.name = "L".repeat(300);
    run.add_outcomes(0..10).await;
    for o in [&longest, &impossible] {
        let payload = serde_json::to_string(o).expect("an outcome serialises");
        run.add_signed(Stream::Outcomes, &payload).await;
    }
    run.add_outcomes(12..20).await;

    run.ok("matchbot-recorder", &["--once"]).await;
    let pages = run
        .query("SELECT talk_page FROM matches ORDER BY luid")
        .await;
    assert_eq!(
        pages.len(),
        19,
        "every outcome but the refused one is a row"
    );
    assert!(
        pages
            .iter()
            .any(|r| r.get::<String, _>(0) == Some(longest.talk_page.clone())),
        "the longest talk page is stored whole"
    );
    let dead = run.export("dead-letter").await;
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(
        dead[0].contains(&"L".repeat(300)),
        "the refused outcome: {}",
        dead[0]
    );
    let listed = run.ok("matchbot", &["dlq", "list"]).await;
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("learner"),
        "the reason names the column: {listed}"
    );
    let mut redis = run.redis().await;
    let pending: redis::streams::StreamPendingReply = redis
        .xpending(run.key("outcomes"), "recorder")
        .await
        .expect("XPENDING");
    assert_eq!(pending.count(), 0, "every entry acked or dead-lettered");
}

/// A `match_events` row as the step test reads it.
type EventFields = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// Puts `outcomes` on the run's outcomes stream, signed.
async fn add(run: &Run, outcomes: &[matchbot_model::Outcome]) {
    for outcome in outcomes {
        let payload = serde_json::to_string(outcome).expect("an outcome serialises");
        run.add_signed(Stream::Outcomes, &payload).await;
    }
}

#[tokio::test]
async fn a_later_step_is_an_event_row_and_leaves_the_matches_row_alone() {
    use matchbot_model::{Action, OutcomeKind, Step, User, Why};
    let run = Run::new("recorder-steps", |_| {});
    run.migrate().await;
    let greeting = outcome(1);
    let at = greeting.at.plus_seconds(14 * 86_400);
    let mut reassigned = greeting.clone();
    let silent = reassigned.decision.mentor.clone();
    reassigned.decision.mentor = User {
        name: "Grace".into(),
        id: 77,
    };
    reassigned.decision.step = Some(Step {
        id: "reassign-1".into(),
        at,
        action: Action::Reassign {
            from: silent.clone(),
            why: Why::Silent { days: 14 },
        },
    });
    reassigned.at = at;
    let mut skipped = reassigned.clone();
    skipped.decision.step = Some(Step {
        id: "nudge-5".into(),
        at,
        action: Action::Nudge {
            silent_since: greeting.at,
        },
    });
    skipped.kind = OutcomeKind::Skipped {
        reason: "{{nobots}} on the page".into(),
    };
    let mut dry = greeting.clone();
    dry.decision.request.request_id = matchbot_model::RequestId::from_stored("dry".into());
    dry.kind = OutcomeKind::DryRun { text: "hi".into() };
    let batch = [greeting.clone(), reassigned, skipped, dry];
    add(&run, &batch).await;
    run.ok("matchbot-recorder", &["--once"]).await;
    // And the same again: nothing changes.
    add(&run, &batch).await;
    run.ok("matchbot-recorder", &["--once"]).await;

    let matches = run
        .query("SELECT request_id, muid, outcome FROM matches ORDER BY request_id")
        .await;
    let matches: Vec<(String, u64, String)> =
        matches.into_iter().map(mysql_async::from_row).collect();
    let id = greeting.decision.request.request_id.to_string();
    assert_eq!(
        matches,
        [
            (id.clone(), silent.id, "posted".to_owned()),
            ("dry".to_owned(), silent.id, "dry-run".to_owned()),
        ],
        "one row per request, naming the first mentor"
    );
    let events = run
        .query(
            "SELECT request_id, step, event, mentor, COALESCE(from_name, ''), \
             COALESCE(reason, ''), outcome, COALESCE(detail, '') FROM match_events ORDER BY id",
        )
        .await;
    let events: Vec<EventFields> = events.into_iter().map(mysql_async::from_row).collect();
    let row = |step: &str,
               event: &str,
               mentor: &str,
               from: &str,
               reason: &str,
               outcome: &str,
               detail: &str| {
        (
            id.clone(),
            step.into(),
            event.into(),
            mentor.into(),
            from.into(),
            reason.into(),
            outcome.into(),
            detail.into(),
        )
    };
    assert_eq!(
        events,
        [
            row("greeting", "greeted", &silent.name, "", "", "posted", ""),
            row(
                "reassign-1",
                "reassigned",
                "Grace",
                &silent.name,
                "silent",
                "posted",
                &format!("{} was silent for 14 days", silent.name)
            ),
            row(
                "nudge-5",
                "nudged",
                "Grace",
                "",
                "",
                "skipped",
                "{{nobots}} on the page"
            ),
        ],
        "a dry run starts no life; each step once"
    );
}
