//! Who may be matched, on the real wiki: a learner blocked sitewide after making their request
//! is skipped, and the row and `matchbot explain` say which gate.

use harness::{Run, WIKI, Wiki};

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
