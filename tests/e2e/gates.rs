//! Who may be matched, on the real wiki: a learner blocked sitewide after making their request
//! is skipped, and the row and `matchbot explain` say which gate; a talk page using a skip
//! template is not greeted.

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
    wiki.edit_as(learner, &run.profile(learner), &format!("[[{MEDIA}]]"))
        .await;
    run.pipeline_once().await;

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
