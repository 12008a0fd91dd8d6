//! The sandbox's second wiki, another programme's (`scripts/sandbox up` brings it up beside the
//! first): the harness reaches it through its API and its maintenance scripts alike, and it is
//! another wiki, seeded like the first.

use std::time::{SystemTime, UNIX_EPOCH};

use harness::{WIKI, WIKI2, Wiki, second_site, site};
use serde_json::Value;

/// A wiki's id (`$wgDBname`), which its RCFeed events carry as `wiki`.
async fn wiki_id(wiki: &Wiki) -> String {
    let v: Value = wiki
        .query(&[("meta", "siteinfo")])
        .await
        .expect("query siteinfo");
    v["query"]["general"]["wikiid"]
        .as_str()
        .expect("siteinfo has a wiki id")
        .to_owned()
}

#[tokio::test]
async fn the_second_wiki_is_another_wiki_seeded_like_the_first() {
    // Both locks, the first wiki's first (as every test using both takes them).
    let _wiki_lock = WIKI.lock().await;
    let _wiki2_lock = WIKI2.lock().await;
    let first = Wiki::sandbox().await;
    let second = Wiki::second_sandbox().await;
    assert_eq!(first.site(), site());
    assert_eq!(second.site(), second_site());
    assert_ne!(first.site(), second.site());
    assert_ne!(wiki_id(&first).await, wiki_id(&second).await);
    // Seeded alike: the kill switch says run, and Fay's talk page is a Flow board.
    assert_eq!(
        second.text("User:MatchBot/Run").await.as_deref(),
        Some("true")
    );
    let fay = second
        .query(&[("prop", "info"), ("titles", "Wikipedia talk:Co-op/Fay")])
        .await
        .expect("query Fay's talk page");
    assert_eq!(fay["query"]["pages"][0]["contentmodel"], "flow-board");
    // The maintenance scripts run in the second wiki's own directory: a page saved there is
    // not on the first.
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    let title = format!("User:Maintainer/Second wiki {nanos}");
    second.edit_as("Maintainer", &title, "Only here.").await;
    assert_eq!(second.text(&title).await.as_deref(), Some("Only here."));
    assert_eq!(first.text(&title).await, None);
}
