//! The do-not-contact list and the on-wiki error log, on the real wiki: a learner on the list is
//! not greeted and a mentor on it not chosen; the log page shows the newest entries only,
//! escaped, and is edited at most once per its interval.

use harness::{Run, WIKI, Wiki};
use matchbot_model::{ErrorKind, ErrorLogEntry, Timestamp};
use redis::AsyncCommands;
use serde_json::json;

const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const COMMUNICATION: &str = "Category:Co-op/Requests/Communication";
const GENERAL_MENTORS: &str = "Category:Co-op mentors with general editing skills";

/// `(outcome, reason, mentor, explanation)` of the row for profile `title`.
async fn row_of(run: &Run, wiki: &Wiki, title: &str) -> (String, String, String, String) {
    let id = wiki.page_id(title).await;
    let rows = run
        .query(&format!(
            "SELECT outcome, COALESCE(outcome_reason, ''), COALESCE(mentor, ''), \
             COALESCE(CAST(explanation AS CHAR), '') FROM matches WHERE lprofileid = {id}"
        ))
        .await;
    assert_eq!(rows.len(), 1, "one row for {title}");
    let row = &rows[0];
    (
        row.get::<String, _>(0).expect("outcome"),
        row.get::<String, _>(1).expect("reason"),
        row.get::<String, _>(2).expect("mentor"),
        row.get::<String, _>(3).expect("explanation"),
    )
}

/// MatchBot's revisions of `title`.
async fn bot_edits(wiki: &Wiki, title: &str) -> usize {
    wiki.revisions(title)
        .await
        .into_iter()
        .filter(|(_, user)| user == "MatchBot")
        .count()
}

#[tokio::test]
async fn a_learner_on_the_do_not_contact_list_is_not_greeted_nor_a_listed_mentor_chosen() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("do-not-contact", &wiki).await;
    let list = format!("User:MatchBot/Do not contact/{}", run.tag);
    let log = format!("User:MatchBot/Errors/{}", run.tag);
    run.adjust(|c| {
        c["do_not_contact"] = json!({ "page": list });
        c["errors"] = json!({ "page": log, "min_interval_minutes": 1 });
        c["scanner"]["request_cooldown_seconds"] = json!(0.001);
    });
    wiki.edit_as(
        "Maintainer",
        &list,
        "<!-- Users who asked MatchBot to leave them alone. -->\n* [[User:Ken|Ken (no bots)]]\ngrace\n",
    )
    .await;
    wiki.edit_as(
        "Grace",
        &run.profile("Grace"),
        &format!("Anything. [[{GENERAL_MENTORS}]]"),
    )
    .await;
    wiki.edit_as(
        "Ken",
        &run.profile("Ken"),
        &format!("Pictures! [[{MEDIA}]]"),
    )
    .await;
    wiki.edit_as(
        "Mo",
        &run.profile("Mo"),
        &format!("Talking to people. [[{COMMUNICATION}]]"),
    )
    .await;

    run.pipeline_once().await;

    // Ken is on the list: skipped, saying so, and his talk page untouched.
    let (outcome, reason, _, _) = row_of(&run, &wiki, &run.profile("Ken")).await;
    assert_eq!(outcome, "skipped");
    assert_eq!(
        reason,
        format!("on the do-not-contact list: Ken is listed on {list}")
    );
    assert_eq!(wiki.text(&run.talk_page("Ken")).await, None);

    // Mo is greeted, but not by Grace, who is on the list too: the maintainer takes him.
    let (outcome, _, mentor, explanation) = row_of(&run, &wiki, &run.profile("Mo")).await;
    assert_eq!(outcome, "posted");
    assert_eq!(mentor, "Maintainer");
    assert!(explanation.contains("do-not-contact"), "{explanation}");
    assert_eq!(bot_edits(&wiki, &run.talk_page("Mo")).await, 1);

    // The error log, written by the bot, names Ken's talk page and why.
    let page = wiki.text(&log).await.expect("the error log page");
    assert_eq!(bot_edits(&wiki, &log).await, 1);
    assert!(
        page.contains(&format!("<nowiki>{}</nowiki>", run.talk_page("Ken"))),
        "{page}"
    );
    assert!(
        page.contains("Ken was not contacted: on the do-not-contact list"),
        "{page}"
    );
    assert_eq!(page.matches("|-\n").count(), 1, "only Ken's skip: {page}");
}

fn entry(n: u32, message: &str) -> ErrorLogEntry {
    ErrorLogEntry::new(
        Timestamp::parse("2026-12-03T12:00:00Z")
            .unwrap()
            .plus_seconds(i64::from(n)),
        ErrorKind::Settings,
        Some("User:MatchBot/Settings"),
        message,
    )
}

#[tokio::test]
async fn the_error_log_page_is_bounded_escaped_and_edited_at_most_once_per_interval() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::new("error-log", |_| {});
    let log = format!("User:MatchBot/Errors/{}", run.tag);
    run.adjust(|c| {
        c["errors"] = json!({ "page": log, "min_interval_minutes": 1, "keep": 3 });
    });
    let bus = run.bus().await;
    for n in 1..=4 {
        bus.log_error(&entry(n, &format!("line {n}: not a number")))
            .await
            .expect("log");
    }
    bus.log_error(&entry(
        5,
        "bad {{subst:evil}} </nowiki>[[Category:Spam]] ~~~~\n|}",
    ))
    .await
    .expect("log");
    // Anyone can write to the shared Redis; an unsigned entry is never shown.
    let forged = serde_json::to_string(&entry(6, "forged")).unwrap();
    let mut redis = run.redis().await;
    let _: String = redis
        .xadd(run.key("error-log"), "*", &[("payload", forged.as_str())])
        .await
        .expect("XADD");

    run.ok("matchbot-notifier", &["--once"]).await;
    let page = wiki.text(&log).await.expect("the error log page");
    assert_eq!(bot_edits(&wiki, &log).await, 1);
    assert_eq!(page.matches("|-\n").count(), 3, "the newest 3 only: {page}");
    let (five, four, three) = (
        page.find("bad ").expect("entry 5"),
        page.find("line 4").expect("entry 4"),
        page.find("line 3").expect("entry 3"),
    );
    assert!(five < four && four < three, "newest first: {page}");
    assert!(
        !page.contains("line 2") && !page.contains("forged"),
        "{page}"
    );
    for never in ["{{", "[[", "~~~~", "\n|}\n|"] {
        assert!(!page.contains(never), "{never} got through: {page}");
    }
    assert!(page.contains("&lt;/nowiki&gt;"), "{page}");
    assert!(!page.contains("Category:Spam]]"), "{page}");

    // A new entry within the interval waits: no second edit.
    bus.log_error(&entry(7, "line 7: too soon"))
        .await
        .expect("log");
    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(bot_edits(&wiki, &log).await, 1);
    assert!(!wiki.text(&log).await.unwrap_or_default().contains("line 7"));

    // Once the interval has passed (its turn expired), the page shows it, newest first.
    let _: () = redis.del(run.key("errors:turn")).await.expect("DEL");
    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(bot_edits(&wiki, &log).await, 2);
    let page = wiki.text(&log).await.expect("the error log page");
    let (seven, five) = (page.find("line 7"), page.find("bad "));
    assert!(seven.expect("entry 7") < five.expect("entry 5"), "{page}");
    assert_eq!(page.matches("|-\n").count(), 3, "{page}");

    // Nothing new: no edit, whatever the turn says.
    let _: () = redis.del(run.key("errors:turn")).await.expect("DEL");
    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(bot_edits(&wiki, &log).await, 2);
}

#[tokio::test]
async fn a_protected_talk_page_is_on_the_error_log() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("errors-protected", &wiki).await;
    let log = format!("User:MatchBot/Errors/{}", run.tag);
    run.adjust(|c| c["errors"] = json!({ "page": log }));
    let talk = run.talk_page("Ken");
    wiki.edit_as("Ken", &talk, "My talk page.").await;
    wiki.protect(&talk).await;
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("[[{MEDIA}]]"))
        .await;

    run.pipeline_once().await;

    let (outcome, _, _, _) = row_of(&run, &wiki, &run.profile("Ken")).await;
    assert_eq!(outcome, "failed");
    let page = wiki.text(&log).await.expect("the error log page");
    assert!(
        page.contains(&format!(
            "|| protected talk page || <nowiki>{talk}</nowiki> ||"
        )),
        "{page}"
    );
    assert!(
        page.contains("Ken was not contacted: the talk page is protected (protectedpage)"),
        "{page}"
    );
}

#[tokio::test]
async fn the_daily_edit_cap_is_logged_once_however_often_it_is_met() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("errors-cap", &wiki).await;
    let log = format!("User:MatchBot/Errors/{}", run.tag);
    run.adjust(|c| {
        c["errors"] = json!({ "page": log });
        c["notifier"]["daily_edit_cap"] = json!(1);
        c["scanner"]["request_cooldown_seconds"] = json!(0.001);
    });
    for (learner, category) in [("Ken", MEDIA), ("Mo", COMMUNICATION), ("Lin", MEDIA)] {
        wiki.edit_as(learner, &run.profile(learner), &format!("[[{category}]]"))
            .await;
    }
    run.pipeline_once().await;
    // The notifier meets the cap again at its next start.
    run.ok("matchbot-notifier", &["--once"]).await;

    let logged = run
        .bus()
        .await
        .newest_errors(50)
        .await
        .expect("read the log");
    let caps: Vec<_> = logged
        .iter()
        .filter(|l| l.entry.kind == ErrorKind::EditCap)
        .collect();
    assert_eq!(caps.len(), 1, "{logged:#?}");
    assert!(
        caps[0]
            .entry
            .message
            .contains("daily edit cap (notifier.daily_edit_cap, 1)"),
        "{}",
        caps[0].entry.message
    );
    // The cap holds for the log page too: its edit waits for the next day.
    assert_eq!(wiki.text(&log).await, None);
}

#[tokio::test]
async fn an_invalid_settings_revision_reaches_the_error_log_page_naming_its_lines() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("errors-settings", &wiki).await;
    let settings = format!("User:MatchBot/settings-{}.json", run.tag);
    let log = format!("User:MatchBot/Errors/{}", run.tag);
    run.adjust(|c| {
        c["settings"] = json!({ "page": settings });
        c["errors"] = json!({ "page": log });
    });
    let bad = "{\n  \"greetings\": {\n    \"matchgreeting\": \"Hi {0}\"\n  },\n  \"redis\": {\"url\": \"redis://elsewhere/\"}\n}";
    wiki.edit_as("MatchBot", &settings, bad).await;

    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-notifier", &["--once"]).await;

    let page = wiki.text(&log).await.expect("the error log page");
    assert!(
        page.contains(&format!("|| settings || <nowiki>{settings} (revision ")),
        "{page}"
    );
    assert!(page.contains("line 3: greetings.matchgreeting: "), "{page}");
    assert!(
        page.contains("line 5: redis: may not be set on the wiki"),
        "{page}"
    );
    // A setting's value is never repeated on the log, a secret's least of all.
    assert!(!page.contains("elsewhere"), "{page}");
}
