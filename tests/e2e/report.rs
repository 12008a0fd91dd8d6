//! `matchbot report --publish` on the real wiki: the report page holds exactly the wikitext
//! the report prints, and the publish is stopped by the kill switch and by `{{bots}}` like any
//! other edit.

use harness::{Run, Wiki};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";

/// A run with its own report page and run page (saying `true`), and one greeting recorded.
async fn run_with_a_greeting(wiki: &Wiki) -> (Run, String, String) {
    let run = Run::new("report", |_| {});
    let report_page = format!("User:MatchBot/Report/{}", run.tag);
    let run_page = format!("User:MatchBot/Run/{}", run.tag);
    run.adjust(|c| {
        c["report"] = json!({ "page": report_page });
        c["notifier"]["run_page"] = json!(run_page);
    });
    wiki.edit_as("Maintainer", &run_page, "true").await;
    run.migrate().await;
    run.query(&format!(
        "INSERT INTO matches (request_id, luid, lprofileid, category, muid, matchtime, \
         cataddtime, matchmade, run_time, outcome, learner, mentor, skill, fallback_level, \
         talk_page) VALUES ('p1', 11, 21, '{WRITING}', 3, '2026-11-10 10:04:00', \
         '2026-11-10 10:00:00', 1, '2026-11-10 10:00:00', 'posted', 'Zoë', 'Ada', 'writing', \
         'skill', 'Wikipedia talk:Co-op/Zoë')"
    ))
    .await;
    (run, report_page, run_page)
}

const PERIOD: [&str; 4] = ["--from", "2026-11-01", "--to", "2026-11-21"];

#[tokio::test]
async fn the_published_page_holds_the_printed_wikitext() {
    let wiki = Wiki::sandbox().await;
    let (run, report_page, _) = run_with_a_greeting(&wiki).await;
    let out = run
        .ok(
            "matchbot",
            &[&["report", "--wikitext", "--publish"][..], &PERIOD].concat(),
        )
        .await;
    let printed = String::from_utf8(out.stdout).expect("UTF-8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "matchbot: report saved to {report_page} (revision "
        )),
        "{stderr}"
    );
    let saved = wiki
        .text(&report_page)
        .await
        .expect("the report page exists");
    // MediaWiki trims the trailing newline of a saved text.
    assert_eq!(saved, printed.trim_end());
    assert!(
        saved.contains("|-\n| [[User:Ada|Ada]] || 1 || 1"),
        "{saved}"
    );
    let edits = wiki.revisions(&report_page).await;
    assert!(
        edits.iter().all(|(_, user)| user == "MatchBot"),
        "{edits:?}"
    );

    // Published again: a new revision, or none when nothing (not even the minute) changed.
    let out = run
        .ok(
            "matchbot",
            &[&["report", "--publish"][..], &PERIOD].concat(),
        )
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let revisions = wiki.revisions(&report_page).await.len();
    if stderr.contains("already holds this report") {
        assert_eq!(revisions, 1);
    } else {
        assert!(stderr.contains("report saved to"), "{stderr}");
        assert_eq!(revisions, 2);
    }
}

/// `matchbot report --publish`, which must fail; what it said.
async fn refused_publish(run: &Run) -> String {
    let out = run
        .command(
            "matchbot",
            &[&["report", "--publish"][..], &PERIOD].concat(),
        )
        .await;
    assert!(!out.status.success(), "the publish succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn the_kill_switch_and_bots_templates_stop_a_publish() {
    let wiki = Wiki::sandbox().await;
    let (run, report_page, run_page) = run_with_a_greeting(&wiki).await;

    wiki.edit_as("Maintainer", &run_page, "stop: testing").await;
    let stderr = refused_publish(&run).await;
    assert!(
        stderr.contains(&format!(
            "the report was not saved to {report_page}: the run page {run_page} says \"stop: testing\""
        )),
        "{stderr}"
    );
    assert_eq!(wiki.text(&report_page).await, None, "nothing was saved");

    wiki.edit_as("Maintainer", &run_page, "true").await;
    wiki.edit_as(
        "Maintainer",
        &report_page,
        "{{bots|optout=matchbot-report}}",
    )
    .await;
    let stderr = refused_publish(&run).await;
    assert!(
        stderr.contains("the page carries {{bots|optout=matchbot-report}}"),
        "{stderr}"
    );
    assert_eq!(
        wiki.text(&report_page).await.as_deref(),
        Some("{{bots|optout=matchbot-report}}"),
        "the page is as the maintainer left it"
    );
}
