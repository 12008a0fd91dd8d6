//! Edit answers that are neither a success nor an error MatchBot knows, and edits whose result
//! is unknown: each comes to an end, none is posted twice.

use std::time::Duration;

use harness::fake_wiki::{Clock, FakeWiki, Fault};
use matchbot_model::OutcomeKind;
use matchbot_notifier::greet;
use matchbot_wiki::Error;

use super::{TALK, bot_client, bot_edits, config, decision, greet_ken};

/// A client that has its csrf token already, so that a fault for the next edit meets the edit.
async fn warm_client(wiki: &FakeWiki) -> matchbot_wiki::Client {
    let client = bot_client(wiki).await;
    let allowed = matchbot_wiki::exclusion::permit("Talk:Warm", "", "MatchBot", "matchbot")
        .expect("no {{bots}} on a new page");
    client
        .append("Talk:Warm", "\n\nHi", "hi", &allowed)
        .await
        .expect("fetches the csrf token");
    client
}

#[tokio::test]
async fn a_captcha_or_an_unknown_code_is_a_failed_outcome_carrying_the_code() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = warm_client(&wiki).await;
    for (fault, code) in [
        (Fault::Captcha, "captcha"),
        (Fault::UnknownCode, "abusefilter-disallowed"),
    ] {
        wiki.fail_next_edits(&[fault]);
        let kind = greet_ken(&config(), &client, &decision())
            .await
            .expect("an outcome, not an error to wait out");
        assert!(
            matches!(&kind, OutcomeKind::Failed { code: c, .. } if c == code),
            "{fault:?}: {kind:?}"
        );
    }
    assert_eq!(bot_edits(&wiki, TALK), 0);
}

#[tokio::test]
async fn an_answer_that_is_none_is_tried_a_few_times_then_given_up() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = warm_client(&wiki).await;
    wiki.fail_next_edits(&[Fault::NotJson; 3]);
    let d = decision();
    for attempt in 1..matchbot_wiki::MOST_BAD_ANSWERS {
        let error = greet_ken(&config(), &client, &d)
            .await
            .expect_err("no answer");
        assert!(
            matches!(error, Error::Decode(_)) && error.is_transient(),
            "attempt {attempt}: {error}"
        );
    }
    let error = greet_ken(&config(), &client, &d)
        .await
        .expect_err("no answer");
    assert!(
        matches!(error, Error::BadAnswers { tries: 3, .. }),
        "given up: {error}"
    );
    assert!(!error.is_transient(), "{error}: nothing retries it");
    assert!(error.to_string().contains(TALK), "{error}");
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_waits_for_the_first_edit_and_finds_it() {
    let wiki = FakeWiki::start(Clock::Real).await;
    let client = warm_client(&wiki).await;
    let mut config = config();
    config.notifier.edit_time_limit = Duration::from_secs(3);
    let d = decision();
    let page = client.talk_page(TALK).await.expect("read");
    // The wiki answers 503 at once and saves the greeting a second later.
    wiki.fail_next_edits(&[Fault::SavedLater]);
    let read = Ok((page, Some(d.request.category_added)));
    let first = greet(&config, &client, &d, read, false).await;
    let error = first.expect_err("the wiki answered 503");
    assert!(error.is_transient(), "{error}");
    // The worker's first retry, 250 ms later: the page does not show the greeting yet.
    tokio::time::sleep(Duration::from_millis(250)).await;
    let again = greet_ken(&config, &client, &d).await.expect("the retry");
    assert!(
        matches!(again, OutcomeKind::Posted { already: true, revid, .. } if revid > 0),
        "{again:?}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(bot_edits(&wiki, TALK), 1, "greeted once");
}
