//! The scanner against the real MediaWiki: requests found by polling the watchlist, reconcile
//! from `--since` that counts the original MatchBot's rows as done, a request taken back before
//! its greeting, and a mentor pool that follows category changes and leaves blocked mentors out.

use std::time::Duration;

use harness::{Run, WIKI, Wiki};
use matchbot_model::MentorPool;
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const GENERAL_MENTORS: &str = "Category:Co-op mentors with general editing skills";
const OPTED_OUT: &str = "Category:Co-op mentor not taking new requests";

/// How long a test waits for something a poll every second should bring: generous, because
/// the point is that it comes at all (the speed is the latency benchmark's business).
const PATIENCE: Duration = Duration::from_secs(60);

async fn bot_edits(wiki: &Wiki, title: &str) -> usize {
    wiki.revisions(title)
        .await
        .iter()
        .filter(|(_, user)| user == "MatchBot")
        .count()
}

#[tokio::test]
async fn a_request_made_while_matchbot_runs_is_found_by_a_poll_and_greeted() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("poll", &wiki).await;
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Writing mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    let workers = run.spawn_pipeline();
    run.wait_until("the scanner's first reconcile", PATIENCE, || async {
        workers[0].log().contains("\"reconciled\"")
    })
    .await;

    // The reconcile (at start, then hourly) is behind us: only a poll can find this.
    wiki.edit_as(
        "Zoë",
        &run.profile("Zoë"),
        &format!("Teach me. [[{WRITING}]]"),
    )
    .await;
    let talk = run.talk_page("Zoë");
    run.wait_until("the greeting", PATIENCE, || async {
        bot_edits(&wiki, &talk).await == 1
    })
    .await;
    run.wait_until("the row", PATIENCE, || async {
        run.rows().await.len() == 1
    })
    .await;
    let text = wiki.text(&talk).await.unwrap_or_default();
    assert!(text.contains("[[User:Ada|Ada]]"), "{text}");

    let mut logs = Vec::new();
    for worker in workers {
        logs.push(worker.stop().await);
    }
    let scanner = &logs[0];
    assert_eq!(
        scanner.matches("\"reconciled\"").count(),
        1,
        "one reconcile, at start: the request came from a poll"
    );
    assert_eq!(scanner.matches("\"new request\"").count(), 1, "{scanner}");
    assert_eq!(run.rows().await[0].outcome, "posted");
}

#[tokio::test]
async fn reconcile_starts_at_since_and_never_greets_what_the_original_matchbot_recorded() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("reconcile", &wiki).await;
    // Before the first deployment's --since: never greeted.
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("[[{MEDIA}]]"))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let since = harness::now_string();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // After it: one the original MatchBot greeted and recorded, one it did not get to.
    wiki.edit_as("Lin", &run.profile("Lin"), &format!("[[{MEDIA}]]"))
        .await;
    wiki.edit_as("Mo", &run.profile("Mo"), &format!("[[{MEDIA}]]"))
        .await;
    let lin = wiki.page_id(&run.profile("Lin")).await;
    let lin_added = wiki.category_added(&run.profile("Lin"), MEDIA).await;
    run.query(&format!(
        "INSERT INTO matches (luid, lprofileid, category, muid, matchtime, cataddtime, revid, \
         matchmade, run_time) VALUES ({}, {lin}, '{MEDIA}', 1, NOW(), '{lin_added}', 1, 0, NOW())",
        wiki.user_id("Lin").await
    ))
    .await;
    // Both ways in see Lin's request: the reconcile lists it and, once the wiki has noted the
    // change, the poll after it finds it on the watchlist. Each must ask `matches`.
    wiki.wait_for_jobs().await;

    run.ok("matchbot-scanner", &["--once", "--since", &since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;

    assert_eq!(
        wiki.text(&run.talk_page("Ken")).await,
        None,
        "before --since"
    );
    assert_eq!(
        wiki.text(&run.talk_page("Lin")).await,
        None,
        "the original MatchBot's row counts as done"
    );
    assert_eq!(bot_edits(&wiki, &run.talk_page("Mo")).await, 1);
    let rows = run
        .query("SELECT lprofileid, request_id IS NULL FROM matches ORDER BY id")
        .await;
    let rows: Vec<(u64, bool)> = rows
        .into_iter()
        .map(|r| (r.get(0).expect("id"), r.get(1).expect("flag")))
        .collect();
    assert_eq!(
        rows,
        vec![(lin, true), (wiki.page_id(&run.profile("Mo")).await, false)],
        "the original's row untouched, one new row for Mo"
    );

    // A later reconcile (here: the same deployment restarted after Redis lost everything)
    // greets nobody again.
    run.lose_redis().await;
    run.ok("matchbot-scanner", &["--once", "--since", &since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;
    assert_eq!(wiki.text(&run.talk_page("Ken")).await, None);
    assert_eq!(bot_edits(&wiki, &run.talk_page("Mo")).await, 1);
    assert_eq!(wiki.text(&run.talk_page("Lin")).await, None);
    let count = run.query("SELECT COUNT(*) FROM matches").await;
    assert_eq!(
        count[0].get::<u64, _>(0),
        Some(2),
        "still the same two rows"
    );
}

#[tokio::test]
async fn a_request_taken_back_before_the_greeting_is_not_greeted() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("withdrawn", &wiki).await;
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("[[{MEDIA}]]"))
        .await;
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    // The learner changes their mind before the notifier gets to it.
    wiki.edit_as("Ken", &run.profile("Ken"), "Never mind, I found help.")
        .await;
    run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;

    assert_eq!(wiki.text(&run.talk_page("Ken")).await, None, "no greeting");
    let rows = run
        .query("SELECT outcome, outcome_reason FROM matches")
        .await;
    assert_eq!(rows.len(), 1);
    let (outcome, reason): (String, String) = (
        rows[0].get(0).expect("outcome"),
        rows[0].get(1).expect("reason"),
    );
    assert_eq!(outcome, "skipped");
    assert_eq!(
        reason,
        format!(
            "request withdrawn: {MEDIA} is no longer on {}",
            run.profile("Ken")
        )
    );
}

#[tokio::test]
async fn the_mentor_pool_follows_category_changes_and_leaves_blocked_mentors_out() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("pool", &wiki).await;
    run.adjust(|c| c["scanner"]["reconcile_seconds"] = json!(3600));
    let scanner = run.spawn("matchbot-scanner", &["--since", &run.since]);
    run.wait_until("the first reconcile", PATIENCE, || async {
        scanner.log().contains("\"reconciled\"")
    })
    .await;
    assert!(
        run.pool().await.general.is_empty(),
        "nobody in this corner yet"
    );

    let writing = |p: &MentorPool| -> Vec<String> {
        p.by_category
            .get(WRITING_MENTORS)
            .into_iter()
            .flatten()
            .map(|m| m.user.name.clone())
            .collect()
    };
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("[[{WRITING_MENTORS}]]"),
    )
    .await;
    run.wait_until("Ada in the pool", PATIENCE, || async {
        writing(&run.pool().await) == ["Ada"]
    })
    .await;
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("On a break. [[{WRITING_MENTORS}]] [[{OPTED_OUT}]]"),
    )
    .await;
    run.wait_until_opted_out("Ada", PATIENCE).await;
    wiki.edit_as("Ada", &run.profile("Ada"), "Not mentoring any more.")
        .await;
    run.wait_until("Ada gone", PATIENCE, || async {
        let p = run.pool().await;
        writing(&p).is_empty() && p.opted_out.is_empty()
    })
    .await;

    // A mentor who is blocked is in the pool but marked, so the matcher passes them by.
    let name = format!("Blocked mentor {}", run.tag);
    wiki.create_user(&name).await;
    wiki.block(&name).await;
    wiki.edit_as(
        &name,
        &run.profile(&name),
        &format!("[[{GENERAL_MENTORS}]]"),
    )
    .await;
    run.wait_until("the blocked mentor marked", PATIENCE, || async {
        let p = run.pool().await;
        p.general.iter().any(|m| m.user.name == name) && p.blocked.iter().any(|u| u.name == name)
    })
    .await;
    let log = scanner.stop().await;
    assert_eq!(log.matches("\"reconciled\"").count(), 1, "polls did it all");
}
