//! The original's defects that lived in how it ran: its cursor, its crashes, its overlapping
//! runs, its polling. The real binaries against the fake wiki and the real Redis and MariaDB.

use std::time::Duration;

use harness::fake_wiki::Fault;
use serde_json::json;

use super::*;

/// How long a test waits for what a worker should bring within seconds.
const PATIENCE: Duration = Duration::from_secs(30);

/// The scanner's cursor: the wiki's time at its last poll.
async fn cursor(run: &Run) -> Timestamp {
    let bus = run.bus().await;
    let cursor = bus.scanner_cursor().await.expect("Redis");
    cursor.expect("the scanner polled")
}

/// Makes `name` a writing mentor of `run`'s Co-op.
fn writing_mentor(wiki: &FakeWiki, run: &Run, name: &str) {
    let profile = run.profile(name);
    wiki.edit(
        name,
        &profile,
        &format!("I mentor writing. [[{WRITING_MENTORS}]]"),
    );
    wiki.categorize(&profile, WRITING_MENTORS);
}

/// Defect 1: the original moved its cursor before doing the work, so a crash lost every
/// learner of the run. Here a notifier killed while it holds a decision loses nothing: the
/// decision stays pending, and the next notifier takes it over and greets.
#[tokio::test]
async fn orig_lost_learner_on_a_crash() {
    let (wiki, run) = co_op("orig-crash", Clock::Real).await;
    run.adjust(|c| c["redis"]["claim_idle_seconds"] = json!(1));
    writing_mentor(&wiki, &run, "Ada");
    learner_asks(&wiki, &run, "Ken", WRITING);
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;

    // The wiki answers the greeting with 503s: the notifier, waiting them out, is killed in
    // the middle, holding the decision.
    wiki.fail_next_edits(&[Fault::Unavailable; 5]);
    let first = run.spawn("matchbot-notifier", &[]);
    run.wait_until("the notifier is at the greeting", PATIENCE, || async {
        wiki.requests().get("edit").copied().unwrap_or(0) > 0
    })
    .await;
    first.kill();

    let second = run.spawn("matchbot-notifier", &[]);
    let talk = run.talk_page("Ken");
    run.wait_until("the greeting, by the second notifier", PATIENCE, || async {
        bot_edits(&wiki, &talk) == 1
    })
    .await;
    second.stop().await;
    run.ok("matchbot-recorder", &["--once"]).await;
    let rows = run.rows().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].outcome, "posted");
}

/// Defect 2: a learner categorised at the second the cursor was taken was found by two runs
/// and greeted twice. A link on the edge of the window is seen by every poll that looks back
/// over it, and handed out once.
#[tokio::test]
async fn orig_double_greeting_at_a_second_boundary() {
    let (wiki, run) = co_op("orig-boundary", Clock::Real).await;
    writing_mentor(&wiki, &run, "Ada");
    learner_asks(&wiki, &run, "Zoë", WRITING);
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    let cursor = cursor(&run).await;
    let mo = run.profile("Mo");
    wiki.edit("Mo", &mo, "Hello!");
    wiki.categorize_at(&mo, WRITING, cursor);
    for _ in 0..3 {
        run.ok("matchbot-scanner", &["--once"]).await;
    }
    assert_eq!(
        run.export("requests").await.len(),
        2,
        "Zoë's and Mo's, once each"
    );
    for worker in ["matchbot-matcher", "matchbot-notifier", "matchbot-recorder"] {
        run.ok(worker, &["--once"]).await;
    }
    for learner in ["Zoë", "Mo"] {
        assert_eq!(bot_edits(&wiki, &run.talk_page(learner)), 1, "{learner}");
    }
    assert_eq!(run.rows().await.len(), 2);
}

/// Defect 3: a category link the wiki noted late (its job queue, a lagging replica) carried
/// a time before the cursor and was never looked at. Each poll looks back over an overlap.
#[tokio::test]
async fn orig_missed_learner_on_a_late_category_link() {
    let (wiki, run) = co_op("orig-late", Clock::Real).await;
    writing_mentor(&wiki, &run, "Ada");
    let since = Timestamp::now().plus_seconds(-600).to_string();
    let scanner = run.spawn("matchbot-scanner", &["--since", &since]);
    run.wait_until("the scanner's reconcile", PATIENCE, || async {
        scanner.log().contains("\"reconciled\"")
    })
    .await;
    let cursor = cursor(&run).await;
    // Noted now, stamped half a minute before the cursor; the next reconcile is an hour away.
    let ken = run.profile("Ken");
    wiki.edit("Ken", &ken, "Hello!");
    wiki.categorize_at(&ken, WRITING, cursor.plus_seconds(-30));
    run.wait_until("a poll finds Ken's request", PATIENCE, || async {
        run.export("requests").await.len() == 1
    })
    .await;
    scanner.stop().await;
}

/// Defect 4: the cursor came from the bot host's clock, the category links from the wiki's.
/// The scanner's cursor is the wiki's time, however far the two clocks are apart.
#[tokio::test]
async fn orig_cursor_from_the_bots_clock() {
    let wikis_time = at("2031-01-01T00:00:00Z");
    let (wiki, run) = co_op("orig-clock", Clock::Stepped(wikis_time)).await;
    writing_mentor(&wiki, &run, "Ada");
    learner_asks(&wiki, &run, "Ken", WRITING);
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    let cursor = cursor(&run).await;
    assert!(
        (cursor.unix() - wikis_time.unix()).abs() < 3600,
        "the cursor {cursor} is not the wiki's time ({wikis_time})"
    );
    assert_eq!(run.export("requests").await.len(), 1);
}

/// Defect 5: nothing kept two runs from overlapping, and two runs greeted the same learners.
/// Two notifiers working at once share the decisions: each learner is greeted once.
#[tokio::test]
async fn orig_overlapping_runs_post_twice() {
    let (wiki, run) = co_op("orig-overlap", Clock::Real).await;
    writing_mentor(&wiki, &run, "Ada");
    let learners: Vec<String> = (1..=6).map(|i| format!("Learner {i}")).collect();
    for learner in &learners {
        learner_asks(&wiki, &run, learner, WRITING);
    }
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    // A pause between edits makes each notifier read one decision at a time, so the two
    // take turns rather than one reading all six.
    run.adjust(|c| c["notifier"]["edit_interval_seconds"] = json!(0.2));
    tokio::join!(
        run.ok("matchbot-notifier", &["--once"]),
        run.ok("matchbot-notifier", &["--once"])
    );
    run.ok("matchbot-recorder", &["--once"]).await;
    for learner in &learners {
        assert_eq!(bot_edits(&wiki, &run.talk_page(learner)), 1, "{learner}");
    }
    assert_eq!(run.rows().await.len(), 6);
}

/// Defect 9: a failed fetch (the opt-out or general category, say) crashed the whole run.
/// A wiki answering 503 is retried, and the run finds its requests.
#[tokio::test]
async fn orig_crash_on_an_unguarded_fetch() {
    let (wiki, run) = co_op("orig-fetch", Clock::Real).await;
    writing_mentor(&wiki, &run, "Ada");
    learner_asks(&wiki, &run, "Ken", WRITING);
    wiki.fail_next(&[Fault::Unavailable, Fault::Unavailable]);
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    assert_eq!(wiki.unavailable(), 2, "both 503s were answered");
    assert_eq!(run.export("requests").await.len(), 1);
}

/// Defect 25: every run read every mentor pool, the general category twice: 18 requests when
/// nothing had happened. An idle scanner asks one thing per poll: the watchlist.
#[tokio::test]
async fn orig_wasteful_idle_polling() {
    let (wiki, run) = co_op("orig-idle", Clock::Real).await;
    writing_mentor(&wiki, &run, "Ada");
    run.adjust(|c| c["scanner"]["poll_seconds"] = json!(0.2));
    let scanner = run.spawn("matchbot-scanner", &["--since", &run.since]);
    run.wait_until("the scanner's reconcile", PATIENCE, || async {
        scanner.log().contains("\"reconciled\"")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let from = wiki.log().len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle: Vec<_> = wiki.log().into_iter().skip(from).collect();
    scanner.stop().await;
    assert!(
        idle.len() >= 5,
        "polls every 0.2 s: {} requests",
        idle.len()
    );
    for request in &idle {
        assert_eq!(
            request.params.get("list").map(String::as_str),
            Some("watchlist"),
            "an idle poll asks only for the watchlist: {:?}",
            request.params
        );
    }
}
