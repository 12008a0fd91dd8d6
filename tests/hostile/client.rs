//! The client's own bounds: on how long the wiki may make it wait, and on a User-Agent no
//! HTTP request can carry.

use std::time::{Duration, Instant};

use harness::fake_wiki::{Clock, FakeWiki, Fault};
use harness::{BOT_LOGIN, BOT_PASSWORD};
use matchbot_secret::Secret;
use matchbot_wiki::{Client, Error};

#[tokio::test]
async fn a_retry_after_of_a_day_is_cut_to_the_longest_wait() {
    let wiki = FakeWiki::start(Clock::Real).await;
    harness::add_matchbot(&wiki);
    let client = Client::builder(&wiki.api)
        .user_agent("User:Operator; operator@example.org")
        .bot_password(BOT_LOGIN, Secret::new(BOT_PASSWORD))
        .longest_wait(Duration::from_secs(1))
        .build()
        .await
        .expect("logs in");
    wiki.fail_next(&[Fault::UnavailableForADay]);
    let started = Instant::now();
    let read = tokio::time::timeout(Duration::from_secs(30), client.talk_page("Talk:Busy")).await;
    let read = read.expect("the client waited as long as the wiki asked: a day");
    assert!(read.is_ok(), "{read:?}");
    assert!(started.elapsed() >= Duration::from_secs(1), "it did wait");
    assert_eq!(wiki.unavailable(), 1);
}

#[tokio::test]
async fn a_user_agent_no_header_can_carry_is_a_configuration_problem_not_an_outage() {
    let wiki = FakeWiki::start(Clock::Real).await;
    harness::add_matchbot(&wiki);
    let built = Client::builder(&wiki.api)
        .user_agent("Run by User:Zoë\n")
        .bot_password(BOT_LOGIN, Secret::new(BOT_PASSWORD))
        .build()
        .await;
    let error = built.expect_err("refused");
    assert!(matches!(error, Error::UserAgent(_)), "{error}");
    assert!(
        !error.is_transient(),
        "{error}: a worker must stop, not wait"
    );
    assert!(
        error.to_string().starts_with("login.useragent: "),
        "names the setting: {error}"
    );
    assert!(wiki.log().is_empty(), "nothing sent");
}
