//! Greetings on Flow boards, through the real binaries against a fake wiki that answers as the
//! Flow API does (the Debian MediaWiki has no Flow): a topic on a board with its post id in the
//! row, `{{nobots}}` in a board's header, a missing talk page becoming a board only where the
//! configuration asks for it and the wiki has Flow, and never a second topic on a replay.

use std::time::Duration;

use harness::fake_wiki::{Clock, FakeWiki};
use harness::{Run, bin, sigterm};
use serde_json::json;

const MEDIA: &str = "Category:Co-op/Requests/Images and media";

/// A fake wiki (with or without Flow) holding a Co-op with only its maintainer, and a run
/// pointed at it with `missing_talk_page` as given.
async fn co_op(flow: bool, missing_talk_page: &str) -> (FakeWiki, Run) {
    let (wiki, run) = Run::on_fake_wiki("flow", Clock::Real, |c| {
        c["notifier"]["missing_talk_page"] = json!(missing_talk_page);
    })
    .await;
    if flow {
        wiki.enable_flow();
    }
    (wiki, run)
}

fn learner_asks(wiki: &FakeWiki, run: &Run, learner: &str) -> u64 {
    let profile = run.profile(learner);
    let id = wiki.edit(learner, &profile, &format!("Pictures! [[{MEDIA}]]"));
    wiki.categorize(&profile, MEDIA);
    id
}

/// `lprofileid → (outcome, revid, postid, reason)` for every row.
async fn rows(run: &Run) -> Vec<(u64, String, Option<u64>, Option<String>, Option<String>)> {
    run.query(
        "SELECT lprofileid, outcome, revid, postid, outcome_reason FROM matches ORDER BY lprofileid",
    )
    .await
    .into_iter()
    .map(|r| {
        (
            r.get(0).expect("lprofileid"),
            r.get(1).expect("outcome"),
            r.get(2).expect("revid"),
            r.get(3).expect("postid"),
            r.get(4).expect("reason"),
        )
    })
    .collect()
}

#[tokio::test]
async fn a_flow_board_gets_a_topic_and_the_row_its_post_id() {
    let (wiki, run) = co_op(true, "flow").await;
    // Ken's talk page is a board; Lin's board keeps bots out in its header; Mo has no talk
    // page yet; Nia's is a wikitext page.
    wiki.make_flow_board(&run.talk_page("Ken"));
    wiki.make_flow_board(&run.talk_page("Lin"));
    wiki.set_board_header(&run.talk_page("Lin"), "Lin's board. {{nobots}}");
    wiki.edit("Nia", &run.talk_page("Nia"), "Earlier talk.");
    let ken = learner_asks(&wiki, &run, "Ken");
    let lin = learner_asks(&wiki, &run, "Lin");
    let mo = learner_asks(&wiki, &run, "Mo");
    let nia = learner_asks(&wiki, &run, "Nia");

    run.pipeline_once().await;

    let topics = wiki.topics();
    let topic_on = |learner: &str| {
        let board = run.talk_page(learner);
        let found: Vec<_> = topics.iter().filter(|t| t.board == board).collect();
        assert_eq!(found.len(), 1, "one topic on {board}: {topics:#?}");
        found[0].clone()
    };
    let ken_topic = topic_on("Ken");
    let mo_topic = topic_on("Mo");
    assert_eq!(topics.len(), 2, "{topics:#?}");
    for topic in [&ken_topic, &mo_topic] {
        assert_eq!(topic.user, "MatchBot");
        assert_eq!(
            topic.title, "Welcome to the Co-op!",
            "the maintainer's topic"
        );
        assert!(
            topic.content.starts_with(
                "Sorry, we don't have a match for you yet. [[User:Maintainer|Maintainer]]"
            ),
            "the greeting alone: {}",
            topic.content
        );
        assert!(topic.content.contains("<!-- matchbot request="));
        assert!(!topic.content.contains("~~~~"), "Flow signs posts itself");
    }
    let nia_edits: Vec<_> = wiki
        .edits()
        .into_iter()
        .filter(|e| e.title == run.talk_page("Nia"))
        .collect();
    assert_eq!(nia_edits.len(), 1, "a wikitext talk page gets a section");
    assert!(nia_edits[0].text.contains("==Welcome to the Co-op!=="));

    let recorded = rows(&run).await;
    let row = |id: u64| {
        recorded
            .iter()
            .find(|r| r.0 == id)
            .unwrap_or_else(|| panic!("no row for page {id}: {recorded:#?}"))
            .clone()
    };
    assert_eq!(
        row(ken),
        (
            ken,
            "posted".into(),
            None,
            Some(ken_topic.post_revision_id.clone()),
            None
        )
    );
    assert_eq!(
        row(mo),
        (
            mo,
            "posted".into(),
            None,
            Some(mo_topic.post_revision_id.clone()),
            None
        )
    );
    assert_eq!(
        row(lin),
        (
            lin,
            "skipped".into(),
            None,
            None,
            Some("the page carries {{nobots}}".into())
        )
    );
    assert_eq!(row(nia).1, "posted");
    assert_eq!(row(nia).2, Some(nia_edits[0].revid));
    assert_eq!(row(nia).3, None);

    // Everything again from a flushed Redis: the markers are found, on boards too.
    run.lose_redis().await;
    run.pipeline_once().await;
    assert_eq!(wiki.topics().len(), 2, "no second topic");
    assert_eq!(
        wiki.edits()
            .iter()
            .filter(|e| e.title == run.talk_page("Nia"))
            .count(),
        1
    );
    assert_eq!(rows(&run).await, recorded, "no row changed");
}

#[tokio::test]
async fn a_missing_talk_page_becomes_a_board_only_where_asked_and_possible() {
    for (flow, setting, board) in [
        (true, "flow", true),
        (true, "wikitext", false),
        (false, "flow", false),
    ] {
        let (wiki, run) = co_op(flow, setting).await;
        learner_asks(&wiki, &run, "Ken");
        run.pipeline_once().await;
        let talk = run.talk_page("Ken");
        let topics = wiki.topics().len();
        let edits = wiki.edits().iter().filter(|e| e.title == talk).count();
        let case = format!("Flow installed: {flow}, missing_talk_page: {setting}");
        if board {
            assert_eq!((topics, edits), (1, 0), "{case}: a new board");
        } else {
            assert_eq!((topics, edits), (0, 1), "{case}: a wikitext page");
            assert!(
                wiki.text(&talk)
                    .unwrap()
                    .contains("==Welcome to the Co-op!==")
            );
        }
        if !flow {
            assert!(
                !wiki
                    .log()
                    .iter()
                    .any(|r| r.params.get("action").map(String::as_str) == Some("flow")),
                "{case}: no action=flow on a wiki without Flow"
            );
        }
    }
}

#[tokio::test]
async fn a_stop_during_the_edit_interval_ends_the_wait_at_once() {
    let (wiki, run) = co_op(false, "wikitext").await;
    run.adjust(|c| c["notifier"]["edit_interval_seconds"] = json!(60));
    learner_asks(&wiki, &run, "Ken");
    learner_asks(&wiki, &run, "Lin");
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let notifier = tokio::process::Command::new(bin("matchbot-notifier"))
        .arg("--config")
        .arg(&run.dir)
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("notifier starts");
    let greetings = || wiki.edits().iter().filter(|e| e.user == "MatchBot").count();
    run.wait_until("the first greeting", Duration::from_secs(30), || async {
        greetings() == 1
    })
    .await;
    // Now in its 60 s pause before the second learner's greeting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sigterm(&notifier), "the notifier runs until SIGTERM");
    let out = tokio::time::timeout(Duration::from_secs(5), notifier.wait_with_output())
        .await
        .expect("the pause ends at SIGTERM, not 60 s later")
        .expect("notifier output");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {log}", out.status);
    assert!(
        !log.contains("did not finish within"),
        "a clean stop, not the deadline: {log}"
    );
    assert_eq!(greetings(), 1);

    // The second decision was not taken on: the next notifier greets it at once.
    run.adjust(|c| c["notifier"]["edit_interval_seconds"] = json!(0));
    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(greetings(), 2);
}
