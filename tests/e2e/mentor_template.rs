//! Mentor self-service, against the sandbox's real MediaWiki: a mentor's own cap set with the
//! mentor template on their profile (`{{Co-op mentor|max=1}}`, which the wiki turns into the
//! sort key of a hidden category) is honoured, and `matchbot explain` says so; a value that
//! cannot be used is ignored and named on the error log.

use harness::{Run, WIKI, Wiki};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const MENTOR_SETTINGS: &str = "Category:Co-op mentor settings";

#[tokio::test]
async fn a_cap_a_mentor_set_with_the_template_is_honoured() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("mentor-template", &wiki).await;
    let log = format!("User:MatchBot/Errors/{}", run.tag);
    run.adjust(|c| {
        c["categories"]["mentor_settings"] = json!(MENTOR_SETTINGS);
        c["errors"] = json!({ "page": log });
    });
    for mentor in ["Ada", "Bea"] {
        wiki.edit_as(
            mentor,
            &run.profile(mentor),
            &format!("I mentor. [[{WRITING_MENTORS}]] {{{{Co-op mentor|max=1|note=Sources}}}}"),
        )
        .await;
    }
    // A value MatchBot cannot use is ignored, and the error log names the profile.
    wiki.edit_as(
        "Cy",
        &run.profile("Cy"),
        &format!("I mentor too. [[{WRITING_MENTORS}]] {{{{Co-op mentor|max=lots|weight=0}}}}"),
    )
    .await;
    let learners = ["Ken", "Lin", "Mo"];
    for learner in learners {
        wiki.edit_as(
            learner,
            &run.profile(learner),
            &format!("Hi! [[{WRITING}]]"),
        )
        .await;
    }
    wiki.wait_for_jobs().await;
    run.pipeline_once().await;

    let mut greeted_by = Vec::new();
    for learner in learners {
        let text = wiki.text(&run.talk_page(learner)).await.unwrap_or_default();
        let mentor = ["Ada", "Bea", "Maintainer"]
            .into_iter()
            .find(|m| text.contains(&format!("[[User:{m}|{m}]]")));
        greeted_by.push(mentor.unwrap_or_else(|| panic!("{learner} not greeted: {text}")));
    }
    greeted_by.sort_unstable();
    let page = wiki.text(&log).await.unwrap_or_default();
    assert!(
        page.contains(&format!("<nowiki>{}</nowiki>", run.profile("Cy")))
            && page.contains("max=lots is ignored: it must be a whole number from 0 to 50"),
        "the error log names Cy's profile and the value: {page}"
    );
    assert_eq!(
        greeted_by,
        ["Ada", "Bea", "Maintainer"],
        "each mentor takes the one learner they asked for; the third waits with the maintainer"
    );
    let rows = run.rows().await;
    let maintainer = wiki.user_id("Maintainer").await;
    let last = rows.iter().find(|r| r.muid == maintainer);
    let request = &last.expect("a row for the maintainer's learner").request_id;
    let out = run.ok("matchbot", &["explain", request]).await;
    let explained = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        explained.contains("Ada: at capacity: 1 learners, cap 1")
            && explained.contains("Bea: at capacity: 1 learners, cap 1"),
        "{explained}"
    );
}
