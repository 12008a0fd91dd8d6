//! The matcher fed by the scanner from the real MediaWiki: a mentor who marks themself away
//! (`{{Co-op mentor away|2099-12-31}}`, the sandbox template that puts the return date in the
//! away category's sort key) is passed over, with the reason in the explanation, and
//! chosen again once back; their last edit comes from the wiki; a mentor who opted out is not
//! chosen for any request made after the scanner saw it.

use std::time::Duration;

use harness::{Run, WIKI, Wiki};
use matchbot_model::{Decision, Level, Reason, Timestamp};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const OPTED_OUT: &str = "Category:Co-op mentor not taking new requests";
const AWAY: &str = "Category:Co-op mentors away";

const PATIENCE: Duration = Duration::from_secs(60);

/// The decision for `learner`'s request, once the matcher has made it.
async fn decision_for(run: &Run, learner: &str) -> Decision {
    let find = || async {
        run.export("decisions")
            .await
            .iter()
            .map(|d| serde_json::from_str::<Decision>(d).expect("a decision"))
            .find(|d| d.request.learner.name == learner)
    };
    run.wait_until(&format!("a decision for {learner}"), PATIENCE, || async {
        find().await.is_some()
    })
    .await;
    find().await.expect("waited for it")
}

async fn ask_for_writing(wiki: &Wiki, run: &Run, learner: &str) {
    wiki.edit_as(
        learner,
        &run.profile(learner),
        &format!("I would like to write better. [[{WRITING}]]"),
    )
    .await;
}

#[tokio::test]
async fn an_away_mentor_is_passed_over_until_back_and_an_opted_out_one_is_never_chosen() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("away", &wiki).await;
    run.adjust(|c| {
        c["categories"]["away"] = json!(AWAY);
        c["matcher"]["active_within_days"] = json!(30);
    });
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!(
            "Back in the new year. [[{WRITING_MENTORS}]] {{{{Co-op mentor away|2099-12-31}}}}"
        ),
    )
    .await;
    let scanner = run.spawn("matchbot-scanner", &["--since", &run.since]);
    let matcher = run.spawn("matchbot-matcher", &[]);
    let ada_id = wiki.user_id("Ada").await;
    run.wait_until(
        "Ada in the pool, away, with her last edit",
        PATIENCE,
        || async {
            let p = run.pool().await;
            let away = p.away.iter().any(|a| {
                a.mentor.user.name == "Ada"
                    && a.until.map(|t| t.to_string()).as_deref() == Some("2099-12-31T00:00:00Z")
            });
            away && p.last_edits.contains_key(&ada_id)
        },
    )
    .await;
    let last_edit = run.pool().await.last_edits[&ada_id];
    assert!(
        (Timestamp::now().unix() - last_edit.unix()).abs() < 3600,
        "Ada's last edit is the one just made: {last_edit}"
    );

    ask_for_writing(&wiki, &run, "Zoë").await;
    let d = decision_for(&run, "Zoë").await;
    assert_eq!(d.level, Level::Maintainer, "Ada is away: {d:?}");
    let e = d.explanation.expect("an explanation");
    let ada = e.levels[0]
        .excluded
        .iter()
        .find(|x| x.mentor.name == "Ada")
        .expect("Ada is named as passed over");
    assert_eq!(
        ada.reason,
        Reason::Away {
            until: Some(Timestamp::parse("2099-12-31T00:00:00Z").expect("a time"))
        }
    );

    // Back: she takes the category off; the next learner gets her.
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Back. [[{WRITING_MENTORS}]]"),
    )
    .await;
    run.wait_until("Ada back", PATIENCE, || async {
        run.pool().await.away.is_empty()
    })
    .await;
    ask_for_writing(&wiki, &run, "Ken").await;
    let d = decision_for(&run, "Ken").await;
    assert_eq!((d.mentor.name.as_str(), d.level), ("Ada", Level::Skill));

    // Opted out: once the scanner has seen it, no request after it goes to her.
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Full up. [[{WRITING_MENTORS}]] [[{OPTED_OUT}]]"),
    )
    .await;
    run.wait_until_opted_out("Ada", PATIENCE).await;
    ask_for_writing(&wiki, &run, "Lin").await;
    let d = decision_for(&run, "Lin").await;
    assert_eq!(d.level, Level::Maintainer, "Ada opted out: {d:?}");
    let e = d.explanation.expect("an explanation");
    assert!(
        e.levels[0]
            .excluded
            .iter()
            .any(|x| x.mentor.name == "Ada" && x.reason == Reason::OptedOut),
        "{e:?}"
    );
    matcher.stop().await;
    scanner.stop().await;
}
