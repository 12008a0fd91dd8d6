//! Who may be matched, on the real wiki: a learner blocked sitewide after making their request
//! is skipped, and the row and `matchbot explain` say which gate; a learner with too few edits
//! is held until they have made enough, then greeted once; a talk page using a skip template
//! is not greeted; a mentor with too few edits is passed over.

use std::time::Duration;

use harness::{Run, WIKI, Wiki};
use serde_json::json;

const MEDIA: &str = "Category:Co-op/Requests/Images and media";

#[tokio::test]
async fn a_blocked_learner_is_skipped_and_recorded_so() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("gates", &wiki).await;
    // A fresh account per run: a block outlives the test.
    let learner = format!("Gated{}", std::process::id());
    wiki.create_user(&learner).await;
    wiki.edit_as(&learner, &run.profile(&learner), &format!("[[{MEDIA}]]"))
        .await;
    wiki.block(&learner).await;
    run.pipeline_once().await;

    let id = wiki.page_id(&run.profile(&learner)).await;
    let rows = run
        .query(&format!(
            "SELECT outcome, COALESCE(outcome_reason, ''), request_id FROM matches WHERE lprofileid = {id}"
        ))
        .await;
    assert_eq!(rows.len(), 1, "one row for the blocked learner");
    let outcome: String = rows[0].get(0).expect("outcome");
    let reason: String = rows[0].get(1).expect("reason");
    let request_id: String = rows[0].get(2).expect("request id");
    assert_eq!(outcome, "skipped");
    assert!(
        reason.contains("gates.skip_blocked_learners"),
        "the reason names the gate: {reason}"
    );
    assert_eq!(
        wiki.text(&run.talk_page(&learner)).await,
        None,
        "nothing posted for a blocked learner"
    );
    let out = run.ok("matchbot", &["explain", &request_id]).await;
    let explained = String::from_utf8_lossy(&out.stdout);
    assert!(
        explained
            .contains("learner blocked from the whole wiki: skipped (gates.skip_blocked_learners)"),
        "{explained}"
    );
}

const MEDIA_MENTORS: &str = "Category:Co-op mentors with multimedia skills";

/// The lines of `log` (JSON, one object a line) whose message is `message`.
fn lines_saying(log: &str, message: &str) -> usize {
    log.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["message"] == message)
        .count()
}

/// The warnings in `log`, for an assertion's message.
fn warnings(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("\"level\":\"WARN\""))
        .collect()
}

#[tokio::test]
async fn a_learner_with_too_few_edits_is_held_then_greeted_once_they_have_made_enough() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("gates-edits", &wiki).await;
    run.adjust(|c| {
        c["gates"] = json!({ "min_learner_edits": 3, "recheck_seconds": 5 });
        // Reconciles while the request is held, which hand out again a request without a row
        // 2 s after it was handed out: a held one (5 s each time) is neither lost work nor
        // handed out twice.
        c["scanner"]["reconcile_seconds"] = json!(1);
        c["scanner"]["reemit_after_seconds"] = json!(2);
    });
    let mentor = "Ada";
    wiki.edit_as(
        mentor,
        &run.profile(mentor),
        &format!("[[{MEDIA_MENTORS}]]"),
    )
    .await;
    // A fresh account: its profile is its first edit.
    let learner = format!("FewEdits{}", std::process::id());
    wiki.create_user(&learner).await;
    wiki.edit_as(&learner, &run.profile(&learner), &format!("[[{MEDIA}]]"))
        .await;
    let workers = run.spawn_pipeline();
    let held = |n: usize| {
        let matcher = &workers[1];
        move || async move {
            lines_saying(&matcher.log(), "held by a gate until the learner qualifies") >= n
        }
    };
    // Held, handed out again after its recheck and held again: one edit is not three.
    run.wait_until("the request held twice", Duration::from_secs(60), held(2))
        .await;
    let reconciles_before = lines_saying(&workers[0].log(), "reconciled");
    run.wait_until(
        "two reconciles while it is held",
        Duration::from_secs(30),
        || async { lines_saying(&workers[0].log(), "reconciled") >= reconciles_before + 2 },
    )
    .await;
    assert!(run.rows().await.is_empty(), "no row while held");
    assert_eq!(
        wiki.text(&run.talk_page(&learner)).await,
        None,
        "no greeting while held"
    );

    // Two more edits, as the learner makes them: three now.
    for page in ["sandbox", "notes"] {
        let title = format!("User:{learner}/{page}");
        wiki.edit_as(&learner, &title, "Practising.").await;
    }
    run.wait_until("the learner's row", Duration::from_secs(60), || async {
        !run.rows().await.is_empty()
    })
    .await;
    // Rechecks and reconciles go on meanwhile; nothing more comes of them.
    let reconciles_after = lines_saying(&workers[0].log(), "reconciled");
    run.wait_until(
        "two reconciles after the greeting",
        Duration::from_secs(30),
        || async { lines_saying(&workers[0].log(), "reconciled") >= reconciles_after + 2 },
    )
    .await;
    let mut logs = Vec::new();
    for worker in workers {
        logs.push(worker.stop().await);
    }
    let rows = run.rows().await;
    assert_eq!(rows.len(), 1, "one row: {rows:?}");
    assert_eq!(rows[0].outcome, "posted");
    assert_eq!(rows[0].muid, wiki.user_id(mentor).await);
    let talk = wiki
        .text(&run.talk_page(&learner))
        .await
        .unwrap_or_default();
    assert_eq!(
        talk.matches("<!-- matchbot request=").count(),
        1,
        "greeted once: {talk}"
    );
    let bot_edits = wiki.revisions(&run.talk_page(&learner)).await;
    assert_eq!(
        bot_edits.len(),
        1,
        "one edit of the talk page: {bot_edits:?}"
    );
    let out = run.ok("matchbot", &["explain", &rows[0].request_id]).await;
    let explained = String::from_utf8_lossy(&out.stdout);
    assert!(
        explained.contains("gates: learner let through by the gates (3 edits, registered "),
        "{explained}"
    );

    let (scanner, matcher) = (&logs[0], &logs[1]);
    let holds = lines_saying(matcher, "held by a gate until the learner qualifies");
    let again = lines_saying(scanner, "a held request's time has come: handed out again");
    let handed_out = lines_saying(scanner, "new request");
    assert!(holds >= 2, "held at least twice: {holds}");
    assert_eq!(again, holds, "each hold handed out again once, no more");
    assert_eq!(handed_out, holds + 1, "handed out once, then once per hold");
    assert!(
        warnings(scanner).is_empty(),
        "the reconciles warn of nothing: {:?}",
        warnings(scanner)
    );
    let mut redis = run.redis().await;
    let still_held: u64 = redis::cmd("ZCARD")
        .arg(run.key("gates:held"))
        .query_async(&mut redis)
        .await
        .expect("read gates:held");
    assert_eq!(still_held, 0, "nothing left held");
}

#[tokio::test]
async fn a_talk_page_using_a_skip_template_is_not_greeted_and_the_row_names_it() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("gates-templates", &wiki).await;
    let template = format!("Template:Retired user-{}", run.tag);
    // As a person may write it: the wiki's title is the same.
    let configured = format!("Template:retired_user-{}", run.tag);
    run.adjust(|c| c["gates"] = json!({ "skip_templates": [configured] }));
    wiki.edit_as("Ada", &run.profile("Ada"), &format!("[[{MEDIA_MENTORS}]]"))
        .await;
    wiki.edit_as("Admin", &template, "This user has retired.")
        .await;
    let learner = "Ken";
    let talk_page = run.talk_page(learner);
    let name = template.trim_start_matches("Template:");
    let before = format!("{{{{{name}}}}}\nOld discussion.");
    wiki.edit_as(learner, &talk_page, &before).await;
    // The wiki records the use when the page is saved, not in a job: it is there at once, so
    // at the moment the notifier reads.
    let used = wiki
        .query(&[
            ("prop", "templates"),
            ("titles", &talk_page),
            ("tltemplates", &template),
        ])
        .await
        .expect("read the talk page's templates");
    assert_eq!(
        used["query"]["pages"][0]["templates"][0]["title"], template,
        "prop=templates sees it at once: {used}"
    );
    // Used through another template, which takes it up after the talk page was saved: the
    // wiki records that use only when its job queue refreshes the talk page's links (a
    // refreshLinks job), so until then the notifier cannot see it.
    let (wrapped, wrapper) = ("Mo", format!("Template:Userbox-{}", run.tag));
    let wrapped_talk = run.talk_page(wrapped);
    let wrapper_name = wrapper.trim_start_matches("Template:");
    let wrapped_before = format!("{{{{{wrapper_name}}}}}\nHello.");
    wiki.edit_as(wrapped, &wrapped_talk, &wrapped_before).await;
    wiki.edit_as("Admin", &wrapper, &format!("{{{{{name}}}}}"))
        .await;
    let seen_at_once = wiki
        .query(&[
            ("prop", "templates"),
            ("titles", &wrapped_talk),
            ("tltemplates", &template),
        ])
        .await
        .expect("read the talk page's templates")["query"]["pages"][0]["templates"]
        .is_array();
    println!("a use through another template seen before the jobs ran: {seen_at_once}");
    wiki.wait_for_jobs().await;
    for who in [learner, wrapped] {
        wiki.edit_as(who, &run.profile(who), &format!("[[{MEDIA}]]"))
            .await;
    }
    run.pipeline_once().await;

    let wrapped_id = wiki.page_id(&run.profile(wrapped)).await;
    let rows = run
        .query(&format!(
            "SELECT outcome, COALESCE(outcome_reason, '') FROM matches WHERE lprofileid = {wrapped_id}"
        ))
        .await;
    assert_eq!(
        rows.len(),
        1,
        "one row for the learner using it through a template"
    );
    let reason: String = rows[0].get(1).expect("reason");
    assert_eq!(
        reason,
        format!("the talk page uses {template}, one of gates.skip_templates")
    );
    assert_eq!(
        wiki.text(&wrapped_talk).await.as_deref(),
        Some(wrapped_before.as_str()),
        "nothing posted"
    );

    let id = wiki.page_id(&run.profile(learner)).await;
    let rows = run
        .query(&format!(
            "SELECT outcome, COALESCE(outcome_reason, '') FROM matches WHERE lprofileid = {id}"
        ))
        .await;
    assert_eq!(rows.len(), 1, "one row for the learner");
    let outcome: String = rows[0].get(0).expect("outcome");
    let reason: String = rows[0].get(1).expect("reason");
    assert_eq!(outcome, "skipped");
    assert_eq!(
        reason,
        format!("the talk page uses {template}, one of gates.skip_templates")
    );
    assert_eq!(
        wiki.text(&talk_page).await.as_deref(),
        Some(before.as_str()),
        "nothing posted"
    );
}

#[tokio::test]
async fn a_mentor_below_the_edit_gate_is_not_chosen_and_explain_says_why() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("gates-mentors", &wiki).await;
    let newcomer = format!("NewMentor{}", std::process::id());
    run.adjust(|c| {
        c["matcher"]["min_mentor_edits"] = json!(5);
        // Without the gate the newcomer would be drawn nearly every time.
        c["matcher"]["mentors"] = json!({ newcomer.clone(): { "weight": 1000 } });
    });
    wiki.create_user(&newcomer).await;
    // Their profile is their one edit.
    wiki.edit_as(
        &newcomer,
        &run.profile(&newcomer),
        &format!("[[{MEDIA_MENTORS}]]"),
    )
    .await;
    wiki.edit_as("Ada", &run.profile("Ada"), &format!("[[{MEDIA_MENTORS}]]"))
        .await;
    let learner = "Lin";
    wiki.edit_as(learner, &run.profile(learner), &format!("[[{MEDIA}]]"))
        .await;
    run.pipeline_once().await;

    let rows = run.rows().await;
    assert_eq!(rows.len(), 1, "one row: {rows:?}");
    assert_eq!(rows[0].outcome, "posted");
    assert_eq!(
        rows[0].muid,
        wiki.user_id("Ada").await,
        "Ada, not {newcomer}"
    );
    let talk = wiki.text(&run.talk_page(learner)).await.unwrap_or_default();
    assert!(talk.contains("[[User:Ada|Ada]]"), "{talk}");
    assert!(!talk.contains(&newcomer), "{talk}");
    let out = run.ok("matchbot", &["explain", &rows[0].request_id]).await;
    let explained = String::from_utf8_lossy(&out.stdout);
    assert!(
        explained.contains(&format!(
            "   - {newcomer}: 1 edit, fewer than 5 (matcher.min_mentor_edits)"
        )),
        "{explained}"
    );
}
