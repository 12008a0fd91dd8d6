//! A wiki answering what MatchBot did not expect, and a decision carrying what no wiki would:
//! the notifier's greeting carried out in-process against the fake wiki, which can answer a
//! captcha, an error code nobody knows, a body that is not JSON, or 503 after saving.

use harness::fake_wiki::{Clock, FakeWiki};
use harness::{BOT_LOGIN, BOT_PASSWORD};
use matchbot_config::Config;
use matchbot_model::{Decision, Level, OutcomeKind, PageRef, Request, RequestId, Timestamp, User};
use matchbot_notifier::greet;
use matchbot_secret::Secret;
use matchbot_wiki::{Client, Error};

mod answers;
mod client;
mod pipeline;

const WRITING: &str = "Category:Co-op/Requests/Writing";
/// The talk page of Ken's profile (`Wikipedia:Co-op/Ken`).
const TALK: &str = "Wikipedia talk:Co-op/Ken";

/// The shipped example configuration.
fn config() -> Config {
    harness::example_config()
}

/// Ken's writing request, matched with Ada.
fn decision() -> Decision {
    let at = Timestamp::parse("2026-11-21T10:00:00Z").expect("a timestamp");
    Decision {
        request: Request {
            request_id: RequestId::new(7, WRITING, at),
            profile: PageRef {
                id: 7,
                title: "Wikipedia:Co-op/Ken".into(),
            },
            category: WRITING.into(),
            category_added: at,
            learner: User {
                name: "Ken".into(),
                id: 51,
            },
            scanned_at: at,
            checkup: None,
            settings: None,
            learner_facts: None,
        },
        mentor: User {
            name: "Ada".into(),
            id: 10,
        },
        mentor_profile: None,
        level: Level::Skill,
        mentor_skill: "writing".into(),
        explanation: None,
        step: None,
    }
}

/// A client logged in to `wiki` as MatchBot, as the notifier would be.
async fn bot_client(wiki: &FakeWiki) -> Client {
    harness::add_matchbot(wiki);
    Client::builder(&wiki.api)
        .user_agent("User:Operator; operator@example.org")
        .bot_password(BOT_LOGIN, Secret::new(BOT_PASSWORD))
        .build()
        .await
        .expect("MatchBot logs in to the fake wiki")
}

/// `d` carried out as the notifier would: Ken's talk page read, then greeted.
async fn greet_ken(config: &Config, client: &Client, d: &Decision) -> Result<OutcomeKind, Error> {
    let page = client.talk_page(TALK).await?;
    let read = Ok((page, Some(d.request.category_added)));
    Ok(greet(config, client, d, read, false).await?.kind)
}

/// How many edits MatchBot saved on `title`.
fn bot_edits(wiki: &FakeWiki, title: &str) -> usize {
    wiki.edits()
        .iter()
        .filter(|e| e.title == title && e.user == "MatchBot")
        .count()
}

#[tokio::test]
async fn a_decision_naming_someone_no_wiki_would_allow_fails_and_posts_nothing() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = bot_client(&wiki).await;
    let mut d = decision();
    d.mentor.name = "Ada]]\n== Free money ==\n[[User:Ada".into();
    let kind = greet_ken(&config(), &client, &d).await.expect("an outcome");
    let OutcomeKind::Failed { code, info } = &kind else {
        panic!("expected a failed outcome, got {kind:?}");
    };
    assert_eq!(code, matchbot_notifier::REFUSED_NAME);
    assert!(
        info.starts_with("the mentor's name \"Ada]]\\n== Free money"),
        "{info}"
    );
    assert_eq!(bot_edits(&wiki, TALK), 0, "nothing posted");
}
