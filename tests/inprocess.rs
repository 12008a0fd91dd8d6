//! The four workers run in-process, as a library caller would run them: each `run` is handed
//! what it runs on, already connected, and a shutdown made from any future. Against the fake
//! wiki and the real Redis and MariaDB.

use std::time::Duration;

use harness::Run;
use harness::fake_wiki::{Clock, FakeWiki};
use matchbot_bus::{DECISIONS, OUTCOMES, REQUESTS};
use matchbot_config::Config;
use matchbot_runtime::{Shutdown, StageOptions};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

/// A fake wiki with a Co-op of one writing mentor and one learner who asks for help, and a
/// run pointed at it.
async fn co_op(name: &str) -> (FakeWiki, Run, Config) {
    let (wiki, run) = Run::on_fake_wiki(name, Clock::Real, |_| {}).await;
    let ada = run.profile("Ada");
    wiki.edit("Ada", &ada, &format!("[[{WRITING_MENTORS}]]"));
    wiki.categorize(&ada, WRITING_MENTORS);
    let zoe = run.profile("Zoë");
    wiki.edit("Zoë", &zoe, &format!("Teach me. [[{WRITING}]]"));
    wiki.categorize(&zoe, WRITING);
    let config = Config::load(&run.dir).expect("the run's configuration");
    (wiki, run, config)
}

#[tokio::test]
async fn the_four_workers_run_in_process_and_greet_a_learner() {
    let (wiki, run, config) = co_op("inprocess").await;
    let never = Shutdown::never;
    let once = |topic_stage: &str| StageOptions::new(topic_stage, true);

    let since = matchbot_model::Timestamp::parse(&run.since).expect("a time");
    let deps = matchbot_scanner::Deps::connect(&config, &never())
        .await
        .expect("connected")
        .expect("no shutdown");
    let options = matchbot_scanner::Options {
        once: true,
        since: Some(since),
        ..Default::default()
    };
    let scanned = matchbot_scanner::run(&config, deps, options, never())
        .await
        .expect("the scanner ran");
    assert_eq!(scanned.requests, 1);

    let options = once(REQUESTS.stage());
    let deps = matchbot_matcher::Deps::connect(&config, &options, &never())
        .await
        .expect("connected")
        .expect("no shutdown");
    let decided = matchbot_matcher::run(&config, deps, options, never())
        .await
        .expect("the matcher ran");
    assert_eq!(decided.decided, 1);

    let options = once(DECISIONS.stage());
    let trial = matchbot_notifier::Trial::default();
    let deps = matchbot_notifier::Deps::connect(&config, trial, &options, &never())
        .await
        .expect("connected")
        .expect("no shutdown");
    let greeted = matchbot_notifier::run(&config, deps, options, trial, never())
        .await
        .expect("the notifier ran");
    assert_eq!(greeted.posted, 1);

    let options = once(OUTCOMES.stage());
    let deps = matchbot_recorder::Deps::connect(&config, &options, &never())
        .await
        .expect("connected")
        .expect("no shutdown");
    let recorded = matchbot_recorder::run(&config, deps, options, never())
        .await
        .expect("the recorder ran");
    assert_eq!(recorded.outcomes, 1);

    let text = wiki.text(&run.talk_page("Zoë")).expect("Zoë's talk page");
    assert!(text.contains("[[User:Ada|Ada]]"), "{text}");
    let rows = run.rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "posted");
}

#[tokio::test]
async fn a_worker_run_in_process_stops_when_its_shutdown_future_completes() {
    let (_wiki, _run, config) = co_op("inprocess-stop").await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = Shutdown::new(async {
        let _ = stopped.await;
    });
    let options = StageOptions::new(REQUESTS.stage(), false);
    let deps = matchbot_matcher::Deps::connect(&config, &options, &shutdown)
        .await
        .expect("connected")
        .expect("no shutdown yet");
    let mut running = std::pin::pin!(matchbot_matcher::run(&config, deps, options, shutdown));
    // Without `once` and with nothing to read, the matcher waits for requests.
    let early = tokio::time::timeout(Duration::from_millis(800), &mut running).await;
    assert!(early.is_err(), "a matcher without `once` keeps reading");
    stop.send(()).expect("the matcher listens");
    let summary = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stops within a read's block time")
        .expect("a clean stop");
    assert_eq!(summary.decided, 0);
}
