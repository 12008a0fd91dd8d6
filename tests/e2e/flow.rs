//! Greetings on Flow boards, against the real Flow extension (REL1_39) that `scripts/sandbox up`
//! installs: a topic whose post id is recorded, no second topic after Redis is lost and the
//! request replayed, a header's `{{nobots}}` obeyed, a missing talk page made a board only when
//! `notifier.missing_talk_page` says so, and Flow's throttle waited out.

use std::time::Duration;

use harness::{FlowTopic, Run, WIKI, Wiki};
use matchbot_bus::Stream;
use matchbot_model::{RequestId, Timestamp};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const MARKER: &str = "<!-- matchbot request=";

/// The sandbox wiki, insisting that it runs Flow (the seeded learner Fay's talk page is a board).
async fn wiki_with_flow() -> Wiki {
    let wiki = Wiki::sandbox().await;
    assert_eq!(
        wiki.content_model("Wikipedia talk:Co-op/Fay")
            .await
            .as_deref(),
        Some("flow-board"),
        "the sandbox wiki has no Flow: scripts/sandbox up installs it from Flow-REL1_39.tar.gz \
         beside the checkout or from MATCHBOT_FLOW_TARBALL (see README, Flow)"
    );
    wiki
}

/// A run whose Co-op has Ada as writing mentor.
async fn co_op(wiki: &Wiki, name: &str) -> Run {
    let run = Run::with_maintainer(name, wiki).await;
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Writing mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    run
}

/// `learner` (a new account) turns their profile's talk page into a board, then asks for help.
async fn asks_from_a_board(wiki: &Wiki, run: &Run, learner: &str) -> String {
    wiki.create_user(learner).await;
    let board = run.talk_page(learner);
    let session = wiki.session(learner).await;
    session
        .new_topic(&board, "About me", "I talk here. ~~~~")
        .await;
    wiki.edit_as(learner, &run.profile(learner), &format!("[[{WRITING}]]"))
        .await;
    board
}

fn by_bot<'a>(topics: &'a [FlowTopic], bot: &str) -> Vec<&'a FlowTopic> {
    topics.iter().filter(|t| t.creator == bot).collect()
}

/// Each row's (postid, outcome).
async fn recorded(run: &Run) -> Vec<(Option<String>, String)> {
    run.query("SELECT postid, outcome FROM matches ORDER BY request_id")
        .await
        .iter()
        .map(|r| (r.get(0).expect("postid"), r.get(1).expect("outcome")))
        .collect()
}

#[tokio::test]
async fn a_greeting_on_a_board_is_a_topic_recorded_by_post_id_and_a_replay_adds_none() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = wiki_with_flow().await;
    let run = co_op(&wiki, "flow-topic").await;
    let board = asks_from_a_board(&wiki, &run, "Flo").await;
    // Mallory works the request's marker out from public data and posts it on the board
    // first; only the bot's own post counts as the greeting.
    let profile = run.profile("Flo");
    let added = wiki
        .category_added(&profile, WRITING)
        .await
        .replace(' ', "T");
    let added = Timestamp::parse(&format!("{added}Z")).expect("the wiki's timestamp");
    let request = RequestId::new(wiki.page_id(&profile).await, WRITING, added);
    let planted = format!("{MARKER}{request} -->");
    wiki.create_user("Mallory").await;
    wiki.session("Mallory")
        .await
        .new_topic(&board, "Note", &format!("Nothing to see. {planted}"))
        .await;

    run.pipeline_once().await;
    let topics = wiki.flow_topics(&board).await;
    let greetings = by_bot(&topics, "MatchBot");
    assert_eq!(greetings.len(), 1, "one greeting topic: {topics:#?}");
    let greeting = greetings[0];
    assert!(
        greeting.content.contains("[[User:Ada|Ada]]"),
        "{greeting:?}"
    );
    assert!(greeting.content.contains(&planted), "{greeting:?}");
    let rows = recorded(&run).await;
    assert_eq!(
        rows,
        vec![(Some(greeting.post_revision_id.clone()), "posted".into())],
        "the row holds the greeting's post id"
    );

    // Redis is lost and the decision replayed, as after a restore: the notifier finds its
    // topic on the board instead of posting a second one.
    let decisions = run.export("decisions").await;
    assert_eq!(decisions.len(), 1);
    run.lose_redis().await;
    run.add_signed(Stream::Decisions, &decisions[0]).await;
    let notifier = run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;
    let topics = wiki.flow_topics(&board).await;
    assert_eq!(by_bot(&topics, "MatchBot").len(), 1, "{topics:#?}");
    let notifier = String::from_utf8_lossy(&notifier.stderr);
    assert!(
        notifier.contains("\"already_posted\":1"),
        "the notifier found its topic: {notifier}"
    );
    assert_eq!(
        recorded(&run).await,
        rows,
        "still one row, the same post id"
    );
}

#[tokio::test]
async fn a_board_whose_header_says_nobots_is_left_alone() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = wiki_with_flow().await;
    let run = co_op(&wiki, "flow-nobots").await;
    let board = asks_from_a_board(&wiki, &run, "Ines").await;
    wiki.session("Ines")
        .await
        .set_header(&board, "{{nobots}} Humans only.")
        .await;

    run.pipeline_once().await;
    let topics = wiki.flow_topics(&board).await;
    assert!(by_bot(&topics, "MatchBot").is_empty(), "{topics:#?}");
    let rows = recorded(&run).await;
    assert_eq!(rows, vec![(None, "skipped".into())], "recorded as skipped");
}

#[tokio::test]
async fn a_missing_talk_page_becomes_a_board_only_when_the_setting_says_flow() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = wiki_with_flow().await;
    for (setting, model) in [(None, "wikitext"), (Some("flow"), "flow-board")] {
        let run = co_op(&wiki, "flow-missing").await;
        if let Some(setting) = setting {
            run.adjust(|c| c["notifier"]["missing_talk_page"] = json!(setting));
        }
        wiki.create_user("Jules").await;
        let talk = run.talk_page("Jules");
        wiki.edit_as("Jules", &run.profile("Jules"), &format!("[[{WRITING}]]"))
            .await;
        run.pipeline_once().await;
        assert_eq!(
            wiki.content_model(&talk).await.as_deref(),
            Some(model),
            "missing_talk_page {setting:?}"
        );
        let rows = recorded(&run).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].1, "posted");
        if model == "flow-board" {
            let topics = wiki.flow_topics(&talk).await;
            let greetings = by_bot(&topics, "MatchBot");
            assert_eq!(greetings.len(), 1, "{topics:#?}");
            assert_eq!(rows[0].0.as_ref(), Some(&greetings[0].post_revision_id));
        } else {
            let text = wiki.text(&talk).await.unwrap_or_default();
            assert!(text.contains(MARKER), "a wikitext greeting: {text}");
        }
    }
}

#[tokio::test]
async fn flows_throttle_is_waited_out_and_every_greeting_posted_once() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = wiki_with_flow().await;
    let run = co_op(&wiki, "flow-throttle").await;
    // ThrottledBot is the sandbox's bot that the wiki lets start two topics in 20 s.
    run.adjust(|c| c["login"]["username"] = json!("ThrottledBot@matchbot"));
    let learners = ["Kai", "Lou", "Max"];
    let mut boards = Vec::new();
    for learner in learners {
        boards.push(asks_from_a_board(&wiki, &run, learner).await);
    }
    let workers = run.spawn_pipeline();
    run.wait_until(
        "three greetings recorded",
        Duration::from_secs(120),
        || async { recorded(&run).await.len() == learners.len() },
    )
    .await;
    let mut logs = Vec::new();
    for worker in workers {
        logs.push(worker.stop().await);
    }
    let notifier = &logs[2];
    assert!(
        notifier.contains("rate limited by the wiki"),
        "the wiki throttled a new topic and the notifier waited: {notifier}"
    );
    for board in &boards {
        let topics = wiki.flow_topics(board).await;
        assert_eq!(
            by_bot(&topics, "ThrottledBot").len(),
            1,
            "{board}: {topics:#?}"
        );
    }
    let rows = recorded(&run).await;
    assert!(
        rows.iter()
            .all(|(postid, outcome)| postid.is_some() && outcome == "posted"),
        "{rows:?}"
    );
}
