//! The limits a bot approvals group asks for, held by the real binaries against the fake wiki
//! and the real Redis and MariaDB.

use std::time::Duration;

use harness::Run;
use harness::fake_wiki::{Clock, FakeWiki};
use serde_json::{Value, json};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

/// A Co-op with one writing mentor and `learners` asking for writing help, its notifier capped
/// at `cap` greetings a day.
async fn co_op(name: &str, cap: u64, learners: &[String]) -> (FakeWiki, Run) {
    let (wiki, run) = Run::on_fake_wiki(name, Clock::Real, |c| {
        c["notifier"]["daily_edit_cap"] = json!(cap);
    })
    .await;
    run.mentor_on(&wiki, "Ada", WRITING_MENTORS);
    for learner in learners {
        run.asks_on(&wiki, learner, WRITING);
    }
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    (wiki, run)
}

fn greetings(wiki: &FakeWiki) -> usize {
    wiki.edits().iter().filter(|e| e.user == "MatchBot").count()
}

#[tokio::test]
async fn the_daily_edit_cap_stops_greetings_says_so_and_counts_only_edits() {
    let learners: Vec<String> = ["Ken", "Lin", "Mo", "Nia"].map(String::from).to_vec();
    let (wiki, run) = co_op("daily-cap", 2, &learners).await;
    // Nia's page turns the bot away: skipping her is not an edit, and costs none of the cap.
    wiki.edit("Nia", &run.talk_page("Nia"), "{{nobots}}");

    let out = run.ok("matchbot-notifier", &["--once"]).await;
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(greetings(&wiki), 2, "{log}");
    assert!(
        log.contains("the daily edit cap (notifier.daily_edit_cap) is reached"),
        "{log}"
    );
    let again = run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(
        greetings(&wiki),
        2,
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let status = run.command("matchbot", &["status", "--json"]).await;
    let status: Value = serde_json::from_slice(&status.stdout).expect("status as JSON");
    assert_eq!(status["edits_today"]["made"], 2);
    assert_eq!(status["edits_today"]["cap"], 2);
    assert_eq!(status["healthy"], false);
    let problems = status["problems"].as_array().expect("problems");
    assert!(
        problems.iter().any(|p| p
            .as_str()
            .is_some_and(|p| p.starts_with("the daily edit cap is reached: 2 of 2 greetings"))),
        "{problems:?}"
    );
    // Who was not greeted is still waiting, not lost.
    run.ok("matchbot-recorder", &["--once"]).await;
    let rows = run.rows().await;
    let posted = rows.iter().filter(|r| r.outcome == "posted").count();
    assert_eq!(posted, 2, "{rows:?}");
    assert!(rows.len() <= 3, "at most the skipped one besides: {rows:?}");
}

#[tokio::test]
async fn notifier_replicas_share_one_daily_edit_cap() {
    let learners: Vec<String> = (0..12).map(|n| format!("Learner {n}")).collect();
    let (wiki, run) = co_op("daily-cap-replicas", 5, &learners).await;
    let replicas = [
        run.spawn("matchbot-notifier", &[]),
        run.spawn("matchbot-notifier", &[]),
        run.spawn("matchbot-notifier", &[]),
    ];
    run.wait_until("the cap is reached", Duration::from_secs(30), || async {
        greetings(&wiki) >= 5
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    for replica in replicas {
        replica.stop().await;
    }
    assert_eq!(greetings(&wiki), 5);
}
