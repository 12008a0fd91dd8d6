//! The notifier's manners on the real wiki: exclusion templates, a protected talk page, the
//! kill switch flipped during a run, dry runs and trial limits.

use std::process::Stdio;
use std::time::Duration;

use harness::{Run, WIKI, Wiki, bin, sigterm};
use serde_json::json;
use tokio::io::AsyncReadExt;

const MEDIA: &str = "Category:Co-op/Requests/Images and media";

/// MatchBot's edits on `title`.
async fn bot_edits(wiki: &Wiki, title: &str) -> usize {
    wiki.revisions(title)
        .await
        .into_iter()
        .filter(|(_, user)| user == "MatchBot")
        .count()
}

/// `(outcome, outcome_reason)` of the row for profile `title`.
async fn outcome_of(run: &Run, wiki: &Wiki, title: &str) -> (String, String) {
    let id = wiki.page_id(title).await;
    let rows = run
        .query(&format!(
            "SELECT outcome, COALESCE(outcome_reason, '') FROM matches WHERE lprofileid = {id}"
        ))
        .await;
    assert_eq!(rows.len(), 1, "one row for {title}");
    let row = &rows[0];
    (
        row.get::<String, _>(0).expect("outcome"),
        row.get::<String, _>(1).expect("reason"),
    )
}

#[tokio::test]
async fn every_exclusion_template_form_is_honoured() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("exclusion", &wiki).await;
    // One account makes every profile here, which the limits on one learner's requests would
    // otherwise hold back: they are tested in tests/scanner.rs.
    run.adjust(|c| {
        c["scanner"]["request_cooldown_seconds"] = serde_json::json!(0.001);
        c["scanner"]["max_open_requests"] = serde_json::json!(100);
    });
    // (talk page text, greeted?)
    let forms: &[(&str, bool)] = &[
        ("{{nobots}}", false),
        ("{{Nobots}} Please no bots.", false),
        ("{{nobots|MatchBot}}", false),
        ("{{nobots|all}}", false),
        ("{{nobots|deny=SineBot}}", false),
        ("{{bots|deny=MatchBot}}", false),
        ("{{ Bots | deny = SineBot , MatchBot }}", false),
        ("{{bots\n|deny=all\n}}", false),
        ("{{bots|allow=SineBot}}", false),
        ("{{bots|allow=none}}", false),
        ("{{bots|optout=matchbot}}", false),
        ("{{bots|optout=all}}", false),
        ("{{bots|allow=MatchBot}} and later {{nobots}}", false),
        ("{{bots|deny=SineBot}}\n{{bots|deny=MatchBot}}", false),
        ("{{Template:Nobots}}", false),
        ("{{bots}}", true),
        ("{{bots|allow=MatchBot}}", true),
        ("{{bots|allow=all}}", true),
        ("{{bots|deny=SineBot}}", true),
        ("{{bots|deny=none}}", true),
        ("{{bots|optout=afd,nosource}}", true),
        ("{{nobots|SineBot}}", true),
        ("<!-- {{nobots}} -->", true),
        ("<nowiki>{{nobots}}</nowiki>", true),
        ("{{bots|MatchBot}}", true),
    ];
    for (n, (text, _)) in forms.iter().enumerate() {
        let name = format!("Form{n}");
        wiki.edit_as("Ken", &run.talk_page(&name), text).await;
        wiki.edit_as("Ken", &run.profile(&name), &format!("[[{MEDIA}]]"))
            .await;
    }
    run.pipeline_once().await;

    for (n, (text, greeted)) in forms.iter().enumerate() {
        let name = format!("Form{n}");
        let talk = run.talk_page(&name);
        let (outcome, reason) = outcome_of(&run, &wiki, &run.profile(&name)).await;
        if *greeted {
            assert_eq!(outcome, "posted", "{text:?}: {reason}");
            assert_eq!(bot_edits(&wiki, &talk).await, 1, "{text:?}");
        } else {
            assert_eq!(outcome, "skipped", "{text:?} must keep MatchBot out");
            assert!(
                reason.starts_with("the page carries {{"),
                "{text:?}: the reason names the template: {reason}"
            );
            assert_eq!(bot_edits(&wiki, &talk).await, 0, "{text:?}");
            assert_eq!(wiki.text(&talk).await.as_deref(), Some(*text));
        }
    }
}

#[tokio::test]
async fn a_protected_talk_page_is_a_failed_outcome_without_retries() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("protected", &wiki).await;
    let talk = run.talk_page("Ken");
    wiki.edit_as("Ken", &talk, "My talk page.").await;
    wiki.protect(&talk).await;
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("[[{MEDIA}]]"))
        .await;

    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let notifier = run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;

    let (outcome, reason) = outcome_of(&run, &wiki, &run.profile("Ken")).await;
    assert_eq!(outcome, "failed");
    assert!(reason.starts_with("protectedpage: "), "{reason}");
    assert_eq!(wiki.text(&talk).await.as_deref(), Some("My talk page."));
    let log = String::from_utf8_lossy(&notifier.stderr);
    assert!(
        !log.contains("retrying"),
        "a protected page is not retried:\n{log}"
    );
    assert!(log.contains("protectedpage"), "{log}");
}

#[tokio::test]
async fn the_run_page_stops_the_notifier_and_flipping_it_back_resumes() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("killswitch", &wiki).await;
    // A run page of this test's own, so other tests' notifiers are not stopped.
    let run_page = format!("User:MatchBot/Run/{}", run.tag);
    run.adjust(|c| {
        c["notifier"]["run_page"] = json!(run_page);
        c["notifier"]["run_page_check_seconds"] = json!(1);
    });
    wiki.edit_as("Maintainer", &run_page, "true").await;

    let mut notifier = tokio::process::Command::new(bin("matchbot-notifier"))
        .arg("--config")
        .arg(&run.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("notifier starts");

    // Someone stops the bot, then a learner asks for help.
    wiki.edit_as(
        "Maintainer",
        &run_page,
        "false <!-- stopped while we look at a complaint -->",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("[[{MEDIA}]]"))
        .await;
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let talk = run.talk_page("Ken");
    assert_eq!(wiki.text(&talk).await, None, "no edit while stopped");
    assert!(
        run.export("outcomes").await.is_empty(),
        "the decision waits, nothing is recorded"
    );

    wiki.edit_as("Maintainer", &run_page, "true").await;
    run.wait_until(
        "the greeting after the run page says true again",
        Duration::from_secs(30),
        || async { bot_edits(&wiki, &talk).await == 1 },
    )
    .await;

    assert!(sigterm(&notifier), "the notifier runs until SIGTERM");
    let status = tokio::time::timeout(Duration::from_secs(10), notifier.wait())
        .await
        .expect("the notifier stops within 10 s")
        .expect("wait for the notifier");
    assert!(status.success(), "{status}");
    let mut log = String::new();
    notifier
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut log)
        .await
        .expect("read the notifier's log");
    assert!(
        log.contains("the run page does not say \\\"true\\\": no edits until it does"),
        "{log}"
    );
    assert!(
        log.contains("the run page says \\\"true\\\" again: edits resume"),
        "{log}"
    );
    assert_eq!(
        log.matches("the run page does not say").count(),
        1,
        "said once, not once per check"
    );
}

#[tokio::test]
async fn a_dry_run_posts_nothing_and_its_row_gives_way_to_the_real_greeting() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("dryrun", &wiki).await;
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("[[{MEDIA}]]"))
        .await;
    let talk = run.talk_page("Ken");

    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    run.ok("matchbot-notifier", &["--once", "--dry-run"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;
    assert_eq!(wiki.text(&talk).await, None, "a dry run edits nothing");
    let (outcome, text) = outcome_of(&run, &wiki, &run.profile("Ken")).await;
    assert_eq!(outcome, "dry-run");
    assert!(
        text.contains("Hello, [[User:Ken|Ken]]!") && text.contains("<!-- matchbot request="),
        "the row holds the text that would have been posted: {text}"
    );

    // The real run (here: the same Redis keys gone, as with a trial's own prefix).
    run.lose_redis().await;
    run.pipeline_once().await;
    assert_eq!(bot_edits(&wiki, &talk).await, 1);
    let (outcome, _) = outcome_of(&run, &wiki, &run.profile("Ken")).await;
    assert_eq!(
        outcome, "posted",
        "the real outcome replaces the dry run's row"
    );
}

#[tokio::test]
async fn a_trial_stops_after_max_edits_and_the_next_run_greets_the_rest() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("trial", &wiki).await;
    let learners = ["Ken", "Lin", "Mo"];
    for learner in learners {
        wiki.edit_as(learner, &run.profile(learner), &format!("[[{MEDIA}]]"))
            .await;
    }
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let trial = run
        .ok("matchbot-notifier", &["--once", "--max-edits", "2"])
        .await;
    run.ok("matchbot-recorder", &["--once"]).await;
    let mut greeted = 0;
    for learner in learners {
        greeted += bot_edits(&wiki, &run.talk_page(learner)).await;
    }
    assert_eq!(greeted, 2, "two edits, as the trial allows");
    assert_eq!(run.rows().await.len(), 2);
    let log = String::from_utf8_lossy(&trial.stderr);
    assert!(
        log.contains("the edit budget (--max-edits) is used up"),
        "{log}"
    );

    run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;
    for learner in learners {
        assert_eq!(
            bot_edits(&wiki, &run.talk_page(learner)).await,
            1,
            "{learner}: the decision left pending is greeted by the next run, once"
        );
    }
    assert_eq!(run.rows().await.len(), 3);
}
