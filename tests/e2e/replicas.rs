//! Two replicas of every worker on the real MediaWiki: each learner greeted once, recorded
//! once, and the bot's edits spaced by the edit interval, as the wiki's own revision times
//! show.

use std::time::Duration;

use harness::{Run, WIKI, Wiki};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const LEARNERS: [&str; 5] = ["Ren", "Sol", "Tam", "Uma", "Vik"];
/// Whole seconds: the wiki stamps revisions to the second.
const INTERVAL_SECONDS: i64 = 2;

/// When MatchBot saved each of its edits of `titles`, in Unix seconds, oldest first.
async fn bot_edit_times(wiki: &Wiki, titles: &[String]) -> Vec<(i64, String)> {
    let mut times = Vec::new();
    for title in titles {
        let answer = wiki
            .query(&[
                ("prop", "revisions"),
                ("titles", title),
                ("rvprop", "user|timestamp"),
                ("rvlimit", "max"),
            ])
            .await
            .expect("query revisions");
        for revision in answer["query"]["pages"][0]["revisions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["user"] == "MatchBot")
        {
            let at = revision["timestamp"].as_str().expect("a timestamp");
            let at = matchbot_model::Timestamp::parse(at).expect("a MediaWiki timestamp");
            times.push((at.unix(), title.clone()));
        }
    }
    times.sort();
    times
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_of_every_worker_greet_each_learner_once_an_interval_apart() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("replicas", &wiki).await;
    run.adjust(|c| {
        c["notifier"]["edit_interval_seconds"] = json!(INTERVAL_SECONDS);
        c["scanner"]["poll_seconds"] = json!(1);
    });
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Writing mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    let mut workers = Vec::new();
    for (bin, stage) in [
        ("matchbot-scanner", "scanner"),
        ("matchbot-matcher", "matcher"),
        ("matchbot-notifier", "notifier"),
        ("matchbot-recorder", "recorder"),
    ] {
        for replica in ["a", "b"] {
            let args: Vec<&str> = match stage {
                "scanner" => vec!["--since", &run.since],
                _ => vec![],
            };
            workers.push(run.spawn_replica(bin, &format!("{stage}-{replica}"), &args));
        }
    }
    for learner in LEARNERS {
        wiki.edit_as(
            learner,
            &run.profile(learner),
            &format!("Help me write. [[{WRITING}]]"),
        )
        .await;
    }
    wiki.wait_for_jobs().await;
    run.wait_until(
        "a row for every learner",
        Duration::from_secs(120),
        || async {
            let rows = run.query("SELECT COUNT(*) FROM matches").await;
            rows.first().and_then(|r| r.get::<u64, _>(0)) >= Some(LEARNERS.len() as u64)
        },
    )
    .await;
    // A second greeting or row of anyone would be under way by now.
    tokio::time::sleep(Duration::from_secs(2 * INTERVAL_SECONDS as u64)).await;
    let status = run.command("matchbot", &["status", "--json"]).await;
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status as JSON");
    let mut logs = Vec::new();
    for worker in workers {
        logs.push(worker.stop().await);
    }

    let talk_pages: Vec<String> = LEARNERS.iter().map(|l| run.talk_page(l)).collect();
    let edits = bot_edit_times(&wiki, &talk_pages).await;
    let gaps: Vec<i64> = edits.windows(2).map(|w| w[1].0 - w[0].0).collect();
    let rows = run
        .query("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM matches")
        .await;
    let (row_count, distinct): (u64, u64) = rows
        .first()
        .map(|r| (r.get(0).unwrap_or(0), r.get(1).unwrap_or(0)))
        .unwrap_or_default();
    println!(
        "two of every worker on the sandbox wiki: {} greetings on {} talk pages, {row_count} rows; seconds between the wiki's revision times: {gaps:?}; replicas {}",
        edits.len(),
        talk_pages.len(),
        status["replicas"]
    );
    for title in &talk_pages {
        let greetings = edits.iter().filter(|(_, t)| t == title).count();
        assert_eq!(greetings, 1, "{title} greeted {greetings} times");
    }
    assert_eq!(
        (row_count, distinct),
        (LEARNERS.len() as u64, LEARNERS.len() as u64)
    );
    assert!(
        gaps.iter().all(|g| *g >= INTERVAL_SECONDS),
        "edits closer than {INTERVAL_SECONDS} s: {edits:?}"
    );
    for stage in ["scanner", "matcher", "notifier", "recorder"] {
        assert_eq!(status["replicas"][stage], 2, "{stage}: {status}");
    }
    assert!(
        logs.iter()
            .filter(|log| log.contains("holding the scanner lease"))
            .count()
            >= 1,
        "one scanner scanned"
    );
}
