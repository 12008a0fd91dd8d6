//! Notifier replicas share what belongs to the bot account: a trial's edit budget is spent once
//! between them, and the run page's reading one of them took stops the others, while a reading
//! someone else wrote into the shared Redis stops nobody and starts nobody.

use std::time::Duration;

use harness::Run;
use harness::fake_wiki::{Clock, FakeWiki};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const RUN_PAGE: &str = "User:MatchBot/Run";

fn greetings(wiki: &FakeWiki) -> usize {
    wiki.edits().iter().filter(|e| e.user == "MatchBot").count()
}

/// A Co-op on the fake wiki whose `learners` asked for a mentor and were decided on, with
/// nothing greeted yet; the run page is read every `run_page_check` seconds.
async fn decided(name: &str, learners: usize, run_page_check: u64) -> (FakeWiki, Run) {
    let (wiki, run) = Run::on_fake_wiki(name, Clock::Real, |c| {
        c["scanner"]["poll_seconds"] = json!(0.2);
        c["notifier"]["run_page_check_seconds"] = json!(run_page_check);
    })
    .await;
    run.mentor_on(&wiki, "Ada", WRITING_MENTORS);
    for i in 0..learners {
        run.asks_on(&wiki, &format!("Learner {i}"), WRITING);
    }
    let scanner = run.spawn("matchbot-scanner", &["--since", &run.since]);
    let matcher = run.spawn("matchbot-matcher", &[]);
    run.wait_until("every request decided", Duration::from_secs(30), || async {
        run.export("decisions").await.len() >= learners
    })
    .await;
    scanner.stop().await;
    matcher.stop().await;
    (wiki, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notifiers_on_a_trial_of_three_edits_make_three_edits_between_them() {
    let (wiki, run) = decided("trial-replicas", 8, 1).await;
    let mut notifiers = [
        run.spawn_replica("matchbot-notifier", "a", &["--max-edits", "3"]),
        run.spawn_replica("matchbot-notifier", "b", &["--max-edits", "3"]),
    ];
    run.wait_until(
        "both notifiers stop on the spent budget",
        Duration::from_secs(30),
        || {
            let done = notifiers.iter_mut().all(|n| n.exited().is_some());
            async move { done }
        },
    )
    .await;
    for notifier in &mut notifiers {
        let status = notifier.exited().expect("it exited");
        assert!(status.success(), "{status}:\n{}", notifier.log());
    }
    assert_eq!(
        greetings(&wiki),
        3,
        "three edits for the account, not for each"
    );
    let logs: Vec<String> = notifiers.iter().map(|n| n.log()).collect();
    assert!(
        logs.iter()
            .all(|l| l.contains("budget (--max-edits) is used up")),
        "each replica says why it stopped:\n{logs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_one_notifier_read_stops_another_that_never_read_the_run_page() {
    let (wiki, run) = decided("shared-stop", 2, 30).await;
    // The run page says stop; the first replica reads it and stops.
    wiki.edit(
        "Maintainer",
        RUN_PAGE,
        "false: hold on, we are moving the Co-op",
    );
    let first = run.spawn_replica("matchbot-notifier", "first", &[]);
    run.wait_until(
        "the first replica stops",
        Duration::from_secs(20),
        || async { first.log().contains("the run page does not say") },
    )
    .await;
    first.stop().await;
    let reads = wiki.reads_of(RUN_PAGE);
    assert_eq!(reads, 1, "the first replica read the run page once");

    // The page says run again, but the reading is 30 s fresh: a second replica takes the
    // first one's reading from Redis instead of asking the wiki, and stays stopped.
    wiki.edit("Maintainer", RUN_PAGE, "true");
    let second = run.spawn_replica("matchbot-notifier", "second", &[]);
    run.wait_until(
        "the second replica stops",
        Duration::from_secs(20),
        || async { second.log().contains("hold on, we are moving the Co-op") },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    second.stop().await;
    assert_eq!(
        wiki.reads_of(RUN_PAGE),
        reads,
        "the second did not read the page"
    );
    assert_eq!(
        greetings(&wiki),
        0,
        "nobody edits while the account is stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_run_reading_in_redis_does_not_start_a_stopped_bot() {
    let (wiki, run) = decided("forged-run", 2, 30).await;
    wiki.edit("Maintainer", RUN_PAGE, "false");
    // A stranger on the shared Redis writes a fresh "run" reading with a made-up signature.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis();
    let mut conn = run.redis().await;
    let () = redis::cmd("SET")
        .arg(run.key("notifier:run-page"))
        .arg(format!("v1:{} {now_ms} run", "0".repeat(64)))
        .query_async(&mut conn)
        .await
        .expect("write as a stranger");
    let notifier = run.spawn("matchbot-notifier", &[]);
    run.wait_until("the notifier stops", Duration::from_secs(20), || async {
        notifier.log().contains("the run page does not say")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = notifier.stop().await;
    assert!(log.contains("not signed by MatchBot"), "{log}");
    assert_eq!(wiki.reads_of(RUN_PAGE), 1, "it read the page itself");
    assert_eq!(greetings(&wiki), 0, "the forged reading started nothing");
    run.lose_redis().await;
}
