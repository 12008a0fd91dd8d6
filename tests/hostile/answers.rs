//! Edit answers that are neither a success nor an error MatchBot knows: each comes to an end.

use harness::fake_wiki::{Clock, FakeWiki, Fault};
use matchbot_model::OutcomeKind;
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
