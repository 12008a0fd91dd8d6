//! The original's defects that lived in how it talked to the wiki: resent edits, whole-page
//! rewrites, Unicode, the parameters every bot request owes, its login, and the stop page.
//! Against the fake wiki, which can answer 503 after saving and logs every request.

use std::time::Duration;

use harness::fake_wiki::Fault;
use matchbot_model::OutcomeKind;
use matchbot_notifier::{MESSAGE_TYPE, greet, render_greeting};
use matchbot_wiki::Error;
use matchbot_wiki::exclusion::{self, Allowed};

use super::*;

/// The talk page of Ken's profile (`Wikipedia:Co-op/Ken`).
const TALK: &str = "Wikipedia talk:Co-op/Ken";

fn allowed(title: &str) -> Allowed {
    exclusion::permit(title, "", "MatchBot", MESSAGE_TYPE).expect("no {{bots}} here")
}

/// Ken's decision carried out as the notifier would: its talk page read, then greeted.
async fn greet_ken(client: &Client, d: &Decision) -> Result<OutcomeKind, Error> {
    let page = client.talk_page(TALK).await?;
    let read = Ok((page, Some(d.request.category_added)));
    Ok(greet(&config(), client, d, read, false).await?.kind)
}

/// The requests that were not about logging in.
fn after_login(wiki: &FakeWiki) -> Vec<harness::fake_wiki::Request> {
    wiki.log()
        .into_iter()
        .filter(|r| {
            r.params.get("action").map(String::as_str) != Some("login")
                && r.params.get("type").map(String::as_str) != Some("login")
        })
        .collect()
}

/// Defect 6: an edit whose answer was lost (a 5xx after the save) was sent again, and the
/// learner greeted twice. The client never resends it blindly; the next try finds the marker.
#[tokio::test]
async fn orig_second_post_after_a_5xx() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = bot_client(&wiki).await;
    let d = decision("Ken", "Ada", Level::Skill, "writing");
    // The fault hits the next request: read the page first, so that it is the edit.
    let page = client.talk_page(TALK).await.expect("read");
    client.may_edit().await.expect("may edit");
    let warm = client
        .append("Talk:Warm", "\n\nHi", "hi", &allowed("Talk:Warm"))
        .await;
    assert!(warm.is_ok(), "fetches the csrf token: {warm:?}");
    wiki.fail_next(&[Fault::SavedThenUnavailable]);
    let first = greet(
        &config(),
        &client,
        &d,
        Ok((page, Some(d.request.category_added))),
        false,
    )
    .await;
    let error = first.expect_err("the wiki answered 503");
    assert!(error.is_transient(), "{error}: waited out, not recorded");
    assert_eq!(bot_edits(&wiki, TALK), 1, "saved once, not resent");
    let again = greet_ken(&client, &d).await.expect("the retry");
    assert!(
        matches!(again, OutcomeKind::Posted { already: true, .. }),
        "{again:?}"
    );
    assert_eq!(bot_edits(&wiki, TALK), 1);
}

/// Defect 11: a name or a talk page outside ASCII raised `UnicodeEncodeError`, and existing
/// talk pages with such text were common. Text is text.
#[tokio::test]
async fn orig_unicode_name() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = bot_client(&wiki).await;
    let old = "Ça va ? — café ☕, 写作\n";
    wiki.edit("Ken", TALK, old);
    let d = Decision {
        mentor: user("Çağrı", 10),
        ..decision("Ken", "Çağrı", Level::Skill, "écriture")
    };
    let kind = greet_ken(&client, &d).await.expect("greeted");
    assert!(
        matches!(kind, OutcomeKind::Posted { already: false, .. }),
        "{kind:?}"
    );
    let text = wiki.text(TALK).expect("the page");
    assert_eq!(
        text,
        format!(
            "{old}{}",
            render_greeting(&config(), &d).expect("renders").text
        )
    );
    assert!(text.contains("[[User:Çağrı|Çağrı]] offers mentoring in \"écriture\""));
}

/// Defect 26: the original read the talk page and saved it whole, with a stray space, and a
/// conflicting edit lost the learner. The greeting is appended; the page's text is kept as it
/// was, byte for byte.
#[tokio::test]
async fn orig_whole_page_rewrite() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = bot_client(&wiki).await;
    let old = "Earlier talk, ending without a newline";
    wiki.edit("Ken", TALK, old);
    let d = decision("Ken", "Ada", Level::Skill, "writing");
    greet_ken(&client, &d).await.expect("greeted");
    let edit = wiki
        .log()
        .into_iter()
        .find(|r| r.params.get("action").map(String::as_str) == Some("edit"))
        .expect("an edit was sent");
    assert!(edit.params.contains_key("appendtext"), "{:?}", edit.params);
    assert!(!edit.params.contains_key("text"), "never the whole page");
    assert_eq!(
        wiki.text(TALK).expect("the page"),
        format!(
            "{old}{}",
            render_greeting(&config(), &d).expect("renders").text
        )
    );
}

/// Defects 21 and 22: no `maxlag`, and no `assert`, so a lost session posted as an IP and a
/// lagged wiki was pushed harder. Every request carries `maxlag=5`; every one after the login
/// `assert=bot`, and every edit `assertuser`.
#[tokio::test]
async fn orig_no_maxlag_and_no_assert() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = bot_client(&wiki).await;
    let d = decision("Ken", "Ada", Level::Skill, "writing");
    greet_ken(&client, &d).await.expect("greeted");
    let log = wiki.log();
    assert!(log.len() >= 5, "{log:?}");
    for r in &log {
        assert_eq!(
            r.params.get("maxlag").map(String::as_str),
            Some("5"),
            "{:?}",
            r.params
        );
    }
    for r in after_login(&wiki) {
        assert_eq!(
            r.params.get("assert").map(String::as_str),
            Some("bot"),
            "{:?}",
            r.params
        );
        if r.params.get("action").map(String::as_str) == Some("edit") {
            assert_eq!(
                r.params.get("assertuser").map(String::as_str),
                Some("MatchBot")
            );
        }
    }
}

/// Defect 23, the stop page: nothing could stop the bot short of an administrator. While the
/// run page does not say `true`, no edit is made.
#[tokio::test]
async fn orig_ignores_the_stop_page() {
    let wiki = FakeWiki::start(Clock::Real).await;
    harness::add_matchbot(&wiki);
    let client = Client::builder(&wiki.api)
        .user_agent("User:Operator; operator@example.org")
        .bot_password(BOT_LOGIN, Secret::new(BOT_PASSWORD))
        .run_page("User:MatchBot/Run", Duration::from_millis(100))
        .build()
        .await
        .expect("logged in");
    wiki.edit(
        "Admin",
        "User:MatchBot/Run",
        "false: complaints on my talk page",
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = client
        .append(TALK, "\n\nHello", "hello", &allowed(TALK))
        .await;
    assert!(matches!(refused, Err(Error::Stopped { .. })), "{refused:?}");
    assert_eq!(bot_edits(&wiki, TALK), 0);
}

/// Defect 24: the original logged in with the account's own password through the obsolete
/// two-step `action=login`, every five minutes. MatchBot logs in once, with a BotPassword and a
/// login token, and stays logged in.
#[tokio::test]
async fn orig_obsolete_login_every_run() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = bot_client(&wiki).await;
    for n in 0..3 {
        let title = format!("Talk:Login {n}");
        client
            .append(&title, "\n\nHello", "hello", &allowed(&title))
            .await
            .expect("saved");
    }
    let log = wiki.log();
    let logins: Vec<_> = log
        .iter()
        .filter(|r| r.params.get("action").map(String::as_str) == Some("login"))
        .collect();
    assert_eq!(logins.len(), 1, "one login for every edit");
    assert_eq!(
        logins[0].params.get("lgname").map(String::as_str),
        Some(BOT_LOGIN),
        "a BotPassword (Bot@appid), not the account's password"
    );
    assert!(
        logins[0].params.contains_key("lgtoken"),
        "with a login token"
    );
    assert_eq!(
        log.first()
            .and_then(|r| r.params.get("type"))
            .map(String::as_str),
        Some("login"),
        "the token comes from meta=tokens&type=login"
    );
}

/// Defect 7, the lookup: the creator of a page deleted since is no error that ends the run,
/// but nobody.
#[tokio::test]
async fn orig_crash_on_a_vanished_profiles_creator() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = bot_client(&wiki).await;
    assert_eq!(client.page_creator(987_654).await.expect("no error"), None);
}
