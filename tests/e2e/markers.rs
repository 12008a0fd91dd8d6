//! The request's marker is trusted only when MatchBot's own edit added it: anyone can write
//! `<!-- matchbot request=… -->` on a learner's talk page (request ids are worked out from
//! public data), and that must not pass for the greeting. Against the sandbox's real MediaWiki.

use harness::{Run, WIKI, Wiki};
use matchbot_model::{RequestId, Timestamp};

const MEDIA: &str = "Category:Co-op/Requests/Images and media";

#[tokio::test]
async fn a_marker_someone_else_planted_does_not_stop_the_greeting() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("markers", &wiki).await;
    let profile = run.profile("Ken");
    let talk = run.talk_page("Ken");
    wiki.edit_as("Ken", &profile, &format!("Pictures! [[{MEDIA}]]"))
        .await;

    // Mallory works Ken's request id out from what anyone can read, and writes its marker on
    // Ken's talk page before the bot gets there.
    let page_id = wiki.page_id(&profile).await;
    let added = wiki.category_added(&profile, MEDIA).await.replace(' ', "T");
    let added = Timestamp::parse(&format!("{added}Z")).expect("the wiki's timestamp");
    let marker = format!(
        "<!-- matchbot request={} -->",
        RequestId::new(page_id, MEDIA, added)
    );
    wiki.edit_as("Mallory", &talk, &format!("Nothing to see here. {marker}"))
        .await;

    run.pipeline_once().await;

    let text = wiki.text(&talk).await.expect("Ken's talk page");
    assert!(
        text.starts_with("Nothing to see here."),
        "Mallory's text kept: {text}"
    );
    assert!(text.contains("Hello, [[User:Ken|Ken]]!"), "greeted: {text}");
    assert_eq!(text.matches(&marker).count(), 2, "{text}");
    let revisions = wiki.revisions(&talk).await;
    let by_bot: Vec<u64> = revisions
        .iter()
        .filter(|(_, user)| user == "MatchBot")
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(by_bot.len(), 1, "{revisions:?}");
    let rows = run.rows().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        rows[0].revid,
        Some(by_bot[0]),
        "the row names the bot's edit"
    );
}
