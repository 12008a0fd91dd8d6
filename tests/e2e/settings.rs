//! The on-wiki settings page, against the sandbox's real MediaWiki and the four real workers
//! running on: a greeting changed on the page is the next greeting, without a restart; an
//! invalid revision is refused, the one before kept, and `matchbot status` and
//! `matchbot explain` say which revision is in use.

use std::time::Duration;

use harness::{Run, WIKI, Wiki};
use serde_json::{Value, json};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const PATIENCE: Duration = Duration::from_secs(90);

fn greeting(word: &str) -> String {
    json!({"greetings": {
        "matchtopic": format!("{word}: a mentor for you"),
        "matchgreeting": format!("{word}! [[User:{{0}}|{{0}}]] can help you with {{1}}."),
    }})
    .to_string()
}

async fn status(run: &Run) -> Value {
    let out = run.ok("matchbot", &["status", "--json"]).await;
    serde_json::from_slice(&out.stdout).expect("status --json prints JSON")
}

/// The revision of `page` now.
async fn revision(wiki: &Wiki, page: &str) -> u64 {
    let answer = wiki
        .query(&[("prop", "revisions"), ("titles", page), ("rvprop", "ids")])
        .await
        .expect("the wiki answers");
    answer["query"]["pages"][0]["revisions"][0]["revid"]
        .as_u64()
        .expect("a revision")
}

#[tokio::test]
async fn a_greeting_changed_on_the_wiki_is_the_next_greeting_and_a_bad_revision_is_refused() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("settings", &wiki).await;
    // One of the bot's own .json subpages: MediaWiki lets only the bot (and interface
    // administrators) edit it.
    let page = format!("User:MatchBot/settings-{}.json", run.tag);
    run.adjust(|c| c["settings"] = json!({"page": page}));
    wiki.edit_as("MatchBot", &page, &greeting("FIRST")).await;
    let first = revision(&wiki, &page).await;
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("I mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    let workers = run.spawn_pipeline();
    let greeted = async |learner: &str, word: &str| {
        wiki.edit_as(
            learner,
            &run.profile(learner),
            &format!("Hi! [[{WRITING}]]"),
        )
        .await;
        let text = wiki
            .text_once_there(&run.talk_page(learner), PATIENCE)
            .await;
        assert!(
            text.contains(&format!("=={word}: a mentor for you=="))
                && text.contains(&format!(
                    "{word}! [[User:Ada|Ada]] can help you with writing."
                )),
            "{learner} greeted with the {word} revision's text: {text}"
        );
    };

    greeted("Ken", "FIRST").await;
    assert_eq!(status(&run).await["settings"]["revision"], first);

    // The maintainers change the greeting on the wiki; the running workers take it up.
    wiki.edit_as("MatchBot", &page, &greeting("SECOND")).await;
    let second = revision(&wiki, &page).await;
    run.wait_until("the second revision in use", PATIENCE, || async {
        status(&run).await["settings"]["revision"] == second
    })
    .await;
    greeted("Lin", "SECOND").await;
    let lin = wiki.user_id("Lin").await;
    run.wait_until("Lin's row", PATIENCE, || async {
        run.rows().await.iter().any(|r| r.luid == lin)
    })
    .await;
    let rows = run.rows().await;
    let request = &rows
        .iter()
        .find(|r| r.luid == lin)
        .expect("Lin's row")
        .request_id;
    let explained = run.ok("matchbot", &["explain", request]).await;
    let explained = String::from_utf8_lossy(&explained.stdout).into_owned();
    assert!(
        explained.contains(&format!(
            "settings: revision {second} of the on-wiki settings page"
        )),
        "{explained}"
    );

    // A revision with a greeting that lost its skill, and a setting no page may hold.
    let bad = "{\n  \"greetings\": {\n    \"matchgreeting\": \"THIRD! {0}\"\n  },\n  \"redis\": {\"url\": \"redis://elsewhere/\"}\n}";
    wiki.edit_as("MatchBot", &page, bad).await;
    let third = revision(&wiki, &page).await;
    run.wait_until("the third revision refused", PATIENCE, || async {
        status(&run).await["settings"]["refused"]["revision"] == third
    })
    .await;
    let now = status(&run).await;
    assert_eq!(
        now["settings"]["revision"], second,
        "the revision before kept: {now:#}"
    );
    let problems: Vec<&str> = now["settings"]["refused"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("line 3: greetings.matchgreeting: ")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("line 5: redis: may not be set on the wiki")),
        "{problems:?}"
    );
    let table = run.ok("matchbot", &["status"]).await;
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(
        table.contains(&format!("{page} revision {second}"))
            && table.contains(&format!("revision {third} (saved by MatchBot) is REFUSED")),
        "{table}"
    );
    greeted("Mo", "SECOND").await;
    for worker in workers {
        worker.stop().await;
    }
}

#[tokio::test]
async fn a_page_anyone_may_edit_or_that_is_not_json_is_refused_and_nothing_stops() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("settings-guard", &wiki).await;
    // A wikitext page of the Co-op's own: anyone may edit it until it is protected.
    let page = format!("{}/Settings", run.main);
    run.adjust(|c| c["settings"] = json!({"page": page}));
    wiki.edit_as("Mallory", &page, &greeting("MALLORY")).await;
    let open = revision(&wiki, &page).await;
    run.pipeline_once().await;
    let now = status(&run).await;
    assert_eq!(now["settings"]["revision"], Value::Null, "{now:#}");
    assert_eq!(now["settings"]["refused"]["revision"], open, "{now:#}");
    let problems = now["settings"]["refused"]["problems"].to_string();
    assert!(
        problems.contains("is not protected, so anyone could change what MatchBot posts"),
        "{problems}"
    );

    // Protected, but saved with a syntax error (and `{{bots}}` text, which means nothing here).
    wiki.protect(&page).await;
    wiki.edit_as("Admin", &page, "{{bots|deny=all}}\n{\"greetings\": {,}}")
        .await;
    let broken = revision(&wiki, &page).await;
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("Hi! [[{WRITING}]]"))
        .await;
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("I mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    wiki.wait_for_jobs().await;
    run.pipeline_once().await;
    let now = status(&run).await;
    assert_eq!(now["settings"]["refused"]["revision"], broken, "{now:#}");
    let problems = now["settings"]["refused"]["problems"][0]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(problems.starts_with("line 1, column "), "{problems}");
    let text = wiki.text(&run.talk_page("Ken")).await.unwrap_or_default();
    assert!(
        text.contains("[[User:Ada|Ada]] offers mentoring in \"writing\""),
        "greeted with the file's text all the same: {text}"
    );

    wiki.edit_as("Admin", &page, &greeting("FIXED")).await;
    let fixed = revision(&wiki, &page).await;
    run.pipeline_once().await;
    let now = status(&run).await;
    assert_eq!(now["settings"]["revision"], fixed, "{now:#}");
    assert_eq!(now["settings"]["refused"], Value::Null, "{now:#}");
}
