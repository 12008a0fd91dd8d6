//! The MediaWiki client's etiquette, against the fake wiki: what a real wiki cannot do on demand
//! (maxlag, 503, 429, a stale token, a lost session, a rate limit, Flow, OAuth 2) and what has
//! to be counted request by request (the parameters every request carries, how often the run
//! page is read). The same client against the real MediaWiki is in tests/e2e/etiquette.rs.

use std::time::{Duration, Instant};

use harness::fake_wiki::{Clock, FakeWiki, Fault};
use harness::{BOT_LOGIN, BOT_PASSWORD};
use matchbot_secret::Secret;
use matchbot_wiki::exclusion::{self, Allowed};

use matchbot_wiki::{Builder, Client, Error};

/// The verdict that `{{bots}}` lets the bot post on `title`: these pages carry none.
fn allowed(title: &str) -> Allowed {
    exclusion::permit(title, "", "MatchBot", "matchbot").expect("no {{bots}} on a new page")
}

const RUN_PAGE: &str = "User:MatchBot/Run";

async fn wiki() -> FakeWiki {
    let wiki = FakeWiki::start(Clock::Real).await;
    harness::add_matchbot(&wiki);
    wiki
}

fn builder(wiki: &FakeWiki) -> Builder {
    Client::builder(&wiki.api)
        .user_agent("User:Operator; operator@example.org")
        .bot_password(BOT_LOGIN, Secret::new(BOT_PASSWORD))
        .max_retries(3)
}

/// The edits MatchBot saved on `title`.
fn saved_on(wiki: &FakeWiki, title: &str) -> usize {
    wiki.edits()
        .iter()
        .filter(|e| e.title == title && e.user == "MatchBot")
        .count()
}

#[tokio::test]
async fn every_request_carries_the_etiquette_parameters_and_user_agent() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    client.talk_page("Talk:Etiquette").await.unwrap();
    client
        .append(
            "Talk:Etiquette",
            "\n\nHello ~~~~",
            "hello",
            &allowed("Talk:Etiquette"),
        )
        .await
        .unwrap();

    let log = wiki.log();
    assert!(
        log.len() >= 5,
        "login token, login, read, csrf, edit: {log:?}"
    );
    for r in &log {
        let p = &r.params;
        assert_eq!(p.get("format").map(String::as_str), Some("json"), "{p:?}");
        assert_eq!(p.get("formatversion").map(String::as_str), Some("2"));
        assert_eq!(p.get("errorformat").map(String::as_str), Some("plaintext"));
        assert_eq!(p.get("maxlag").map(String::as_str), Some("5"));
        assert_eq!(
            r.user_agent,
            format!(
                "MatchBot/{} (User:Operator; operator@example.org) reqwest/0.13",
                env!("CARGO_PKG_VERSION")
            ),
            "tool/version (contact) library/version"
        );
        let logging_in = p.get("action").map(String::as_str) == Some("login")
            || p.get("type").map(String::as_str) == Some("login");
        if !logging_in {
            assert_eq!(p.get("assert").map(String::as_str), Some("bot"), "{p:?}");
        }
    }
    let edit = log
        .iter()
        .find(|r| r.params.get("action").map(String::as_str) == Some("edit"))
        .expect("the edit was sent");
    assert_eq!(edit.method, "POST");
    assert_eq!(
        edit.params.get("assertuser").map(String::as_str),
        Some("MatchBot")
    );
    assert_eq!(edit.params.get("bot").map(String::as_str), Some("1"));
}

#[tokio::test]
async fn maxlag_is_waited_out_as_retry_after_says() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    client.may_edit().await.unwrap();
    wiki.fail_next(&[Fault::Maxlag, Fault::Maxlag]);
    let started = Instant::now();
    client
        .append("Talk:Lagged", "\n\nHello", "hello", &allowed("Talk:Lagged"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two maxlag answers with Retry-After: 1 mean two waits of a second, waited {:?}",
        started.elapsed()
    );
    assert_eq!(saved_on(&wiki, "Talk:Lagged"), 1);
}

#[tokio::test]
async fn maxlag_retries_are_bounded() {
    let wiki = wiki().await;
    let client = builder(&wiki).max_retries(2).build().await.unwrap();
    wiki.fail_next(&[Fault::Maxlag; 3]);
    let error = client.talk_page("Talk:Lagged").await.unwrap_err();
    assert!(matches!(error, Error::Maxlag { .. }), "{error}");
    assert!(
        error.is_transient(),
        "the worker waits it out, it records nothing"
    );
}

#[tokio::test]
async fn a_read_answered_503_or_429_is_retried() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    wiki.edit("Someone", "Talk:Busy", "Old text");
    wiki.fail_next(&[Fault::Unavailable, Fault::TooManyRequests]);
    let page = client.talk_page("Talk:Busy").await.unwrap();
    assert_eq!(page.text, "Old text");
    assert_eq!(wiki.reads_of("Talk:Busy"), 3, "two refused, then answered");
}

#[tokio::test]
async fn an_edit_answered_503_is_not_resent_blindly() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    // An edit first, so the csrf token is cached and the fault meets the edit itself.
    client
        .append("Talk:Before", "\n\nHello", "hello", &allowed("Talk:Before"))
        .await
        .unwrap();
    wiki.fail_next(&[Fault::SavedThenUnavailable]);
    let error = client
        .append("Talk:Unsure", "\n\nHello", "hello", &allowed("Talk:Unsure"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Status { status: 503, .. }),
        "{error}"
    );
    assert!(
        error.is_transient(),
        "the notifier retries, after looking for its marker"
    );
    assert_eq!(
        saved_on(&wiki, "Talk:Unsure"),
        1,
        "saved once and not sent again"
    );
}

#[tokio::test]
async fn an_edit_answered_429_waits_and_is_saved_once() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    // An edit first, so the csrf token is cached and the fault meets the edit itself.
    client
        .append("Talk:Before", "\n\nHello", "hello", &allowed("Talk:Before"))
        .await
        .unwrap();
    wiki.fail_next(&[Fault::TooManyRequests]);
    client
        .append("Talk:Busy", "\n\nHello", "hello", &allowed("Talk:Busy"))
        .await
        .unwrap();
    assert_eq!(saved_on(&wiki, "Talk:Busy"), 1);
}

#[tokio::test]
async fn ratelimited_is_waited_out() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    client.may_edit().await.unwrap();
    wiki.fail_next(&[Fault::RateLimited]);
    let started = Instant::now();
    client
        .talk_page("Talk:Limited")
        .await
        .expect("retried after the limit");
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "a rate limit without Retry-After waits 10 s, waited {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_stale_token_is_replaced_and_the_edit_saved_once() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    client
        .append("Talk:Token", "\n\nFirst", "first", &allowed("Talk:Token"))
        .await
        .unwrap();
    wiki.fail_next(&[Fault::StaleToken]);
    client
        .append("Talk:Token", "\n\nSecond", "second", &allowed("Talk:Token"))
        .await
        .unwrap();
    assert_eq!(saved_on(&wiki, "Talk:Token"), 2);
    let tokens = wiki
        .log()
        .iter()
        .filter(|r| {
            r.params.get("meta").map(String::as_str) == Some("tokens")
                && !r.params.contains_key("type")
        })
        .count();
    assert_eq!(tokens, 2, "the token was cached, and fetched again once");
}

#[tokio::test]
async fn a_lost_session_logs_in_again_and_the_edit_is_the_bots() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    client.may_edit().await.unwrap();
    wiki.fail_next(&[Fault::LoseSession]);
    client
        .append(
            "Talk:Session",
            "\n\nHello",
            "hello",
            &allowed("Talk:Session"),
        )
        .await
        .unwrap();
    let edits = wiki.edits();
    let edit = edits.iter().find(|e| e.title == "Talk:Session").unwrap();
    assert_eq!(edit.user, "MatchBot", "never saved as an anonymous edit");
    let logins = wiki
        .log()
        .iter()
        .filter(|r| r.params.get("action").map(String::as_str) == Some("login"))
        .count();
    assert_eq!(logins, 2);
}

#[tokio::test]
async fn a_protected_page_is_refused_once_with_the_apis_code() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    wiki.protect("Talk:Protected");
    let error = client
        .append(
            "Talk:Protected",
            "\n\nHello",
            "hello",
            &allowed("Talk:Protected"),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "protectedpage");
    assert!(error.is_page_related() && !error.is_transient());
    let attempts = wiki
        .log()
        .iter()
        .filter(|r| r.params.get("action").map(String::as_str) == Some("edit"))
        .count();
    assert_eq!(attempts, 1, "a permanent error is not retried");
}

#[tokio::test]
async fn oauth2_sends_the_bearer_token_and_never_logs_in() {
    let wiki = wiki().await;
    wiki.add_oauth_token("oauth-access-token-1234", "MatchBot");
    let client = Client::builder(&wiki.api)
        .user_agent("operator@example.org")
        .oauth2("MatchBot", Secret::new("oauth-access-token-1234"))
        .build()
        .await
        .unwrap();
    client
        .append("Talk:OAuth", "\n\nHello", "hello", &allowed("Talk:OAuth"))
        .await
        .unwrap();
    assert_eq!(saved_on(&wiki, "Talk:OAuth"), 1);
    let log = wiki.log();
    assert!(log.iter().all(|r| r.bearer), "every request is authorised");
    assert!(
        !log.iter()
            .any(|r| r.params.get("action").map(String::as_str) == Some("login")),
        "no action=login with OAuth"
    );
}

#[tokio::test]
async fn a_refused_or_foreign_oauth2_token_stops_the_start() {
    let wiki = wiki().await;
    wiki.add_oauth_token("token-of-someone-else", "Someone");
    for (token, expected) in [
        (
            "not-a-token-at-all",
            "the wiki refused the OAuth 2 token (mwoauth-invalid-authorization)",
        ),
        (
            "token-of-someone-else",
            "the OAuth 2 token belongs to Someone, not MatchBot",
        ),
    ] {
        let error = Client::builder(&wiki.api)
            .user_agent("operator@example.org")
            .oauth2("MatchBot", Secret::new(token))
            .build()
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains(token), "the token is never shown");
        assert!(!error.is_transient());
    }
}

#[tokio::test]
async fn the_run_page_is_read_at_most_once_per_interval() {
    let wiki = wiki().await;
    let client = builder(&wiki)
        .run_page(RUN_PAGE, Duration::from_secs(3600))
        .build()
        .await
        .unwrap();
    for n in 0..5 {
        client
            .append(
                "Talk:Often",
                &format!("\n\nEdit {n}"),
                "edit",
                &allowed("Talk:Often"),
            )
            .await
            .unwrap();
    }
    assert_eq!(saved_on(&wiki, "Talk:Often"), 5);
    assert_eq!(wiki.reads_of(RUN_PAGE), 1, "not once per edit");
}

#[tokio::test]
async fn a_run_page_not_saying_true_stops_every_edit_until_it_does() {
    let wiki = wiki().await;
    let client = builder(&wiki)
        .run_page(RUN_PAGE, Duration::from_millis(300))
        .build()
        .await
        .unwrap();
    client
        .append("Talk:Switch", "\n\nOne", "one", &allowed("Talk:Switch"))
        .await
        .unwrap();

    wiki.edit(
        "Admin",
        RUN_PAGE,
        "false -- stopped after a complaint, see my talk page",
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let error = client
        .append("Talk:Switch", "\n\nTwo", "two", &allowed("Talk:Switch"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Stopped { says, .. } if says.starts_with("false -- stopped")),
        "{error}"
    );
    assert!(
        error.is_transient(),
        "work waits for the switch, nothing is recorded"
    );
    assert!(client.may_edit().await.is_err());
    assert_eq!(saved_on(&wiki, "Talk:Switch"), 1, "no edit while stopped");

    wiki.edit("Admin", RUN_PAGE, " True\n");
    tokio::time::sleep(Duration::from_millis(400)).await;
    client
        .append("Talk:Switch", "\n\nThree", "three", &allowed("Talk:Switch"))
        .await
        .unwrap();
    assert_eq!(saved_on(&wiki, "Talk:Switch"), 2);
}

#[tokio::test]
async fn a_missing_run_page_stops_the_bot() {
    let wiki = FakeWiki::start(Clock::Real).await;
    wiki.add_bot(BOT_LOGIN, BOT_PASSWORD);
    let client = builder(&wiki)
        .run_page("User:MatchBot/Nowhere", Duration::from_secs(60))
        .build()
        .await
        .unwrap();
    let error = client.may_edit().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the run page User:MatchBot/Nowhere says \"(the page does not exist)\", not \"true\": no edits until it does"
    );
}

#[tokio::test]
async fn edits_are_spaced_by_the_interval() {
    let wiki = wiki().await;
    let client = builder(&wiki)
        .edit_interval(Duration::from_millis(700))
        .build()
        .await
        .unwrap();
    assert_eq!(client.until_next_edit().await, Duration::ZERO);
    let started = Instant::now();
    for n in 0..3 {
        client
            .append(
                "Talk:Slow",
                &format!("\n\nEdit {n}"),
                "edit",
                &allowed("Talk:Slow"),
            )
            .await
            .unwrap();
    }
    let pause = client.until_next_edit().await;
    assert!(
        pause > Duration::ZERO && pause <= Duration::from_millis(700),
        "{pause:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "three edits are two intervals apart at least, took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_edit_budget_stops_edits_and_only_edits() {
    let wiki = wiki().await;
    let client = builder(&wiki).edit_budget(Some(2)).build().await.unwrap();
    assert_eq!(client.edits_left().await, Some(2));
    client
        .append("Talk:Trial", "\n\nOne", "one", &allowed("Talk:Trial"))
        .await
        .unwrap();
    client
        .append("Talk:Trial", "\n\nTwo", "two", &allowed("Talk:Trial"))
        .await
        .unwrap();
    assert_eq!(client.edits_left().await, Some(0));
    let error = client
        .append("Talk:Trial", "\n\nThree", "three", &allowed("Talk:Trial"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::EditBudgetSpent { budget: 2 }),
        "{error}"
    );
    assert!(!error.is_transient() && !error.is_page_related());
    assert_eq!(saved_on(&wiki, "Talk:Trial"), 2);
    client
        .talk_page("Talk:Trial")
        .await
        .expect("reading is not editing");
}

#[tokio::test]
async fn flow_topics_are_posted_found_again_and_headers_read() {
    let wiki = wiki().await;
    let client = builder(&wiki).build().await.unwrap();
    assert!(
        !client.has_flow().await.unwrap(),
        "Flow is not installed yet"
    );

    let wiki = self::wiki().await;
    wiki.enable_flow();
    wiki.make_flow_board("Talk:Board");
    wiki.set_board_header("Talk:Board", "Welcome to my board. {{nobots}}");
    let client = builder(&wiki).build().await.unwrap();
    assert!(client.has_flow().await.unwrap());
    client.has_flow().await.unwrap();
    let siteinfo = wiki
        .log()
        .iter()
        .filter(|r| r.params.get("meta").map(String::as_str) == Some("siteinfo"))
        .count();
    assert_eq!(siteinfo, 1, "asked once per client");

    let page = client.talk_page("Talk:Board").await.unwrap();
    assert_eq!(page.content_model.as_deref(), Some("flow-board"));
    assert_eq!(
        client.flow_header("Talk:Board").await.unwrap(),
        "Welcome to my board. {{nobots}}"
    );
    assert_eq!(
        client
            .flow_post_containing("Talk:Board", "MatchBot", "marker-1")
            .await
            .unwrap(),
        None
    );
    let post = client
        .new_flow_topic(
            "Talk:Board",
            "Welcome!",
            "Hello there. <!-- marker-1 -->",
            &allowed("Talk:Board"),
        )
        .await
        .unwrap();
    let topics = wiki.topics();
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].title, "Welcome!");
    assert_eq!(topics[0].user, "MatchBot");
    assert_eq!(post.post_revision_id, topics[0].post_revision_id);
    assert_eq!(post.topic_page, topics[0].topic_page);
    assert_eq!(
        client
            .flow_post_containing("Talk:Board", "MatchBot", "marker-1")
            .await
            .unwrap(),
        Some(post.post_revision_id)
    );
    let write = wiki
        .log()
        .into_iter()
        .find(|r| r.params.get("submodule").map(String::as_str) == Some("new-topic"))
        .unwrap();
    assert_eq!(write.method, "POST");
    assert_eq!(write.params.get("assert").map(String::as_str), Some("bot"));
    assert_eq!(
        write.params.get("assertuser").map(String::as_str),
        Some("MatchBot")
    );
    assert_eq!(
        write.params.get("ntformat").map(String::as_str),
        Some("wikitext")
    );
}
