//! The fake wiki's Flow answers, held against the real Flow's: the same calls go to the
//! sandbox (Flow REL1_39) and to a fake wiki, and every field the fake answers must be in the
//! real answer too, with the same kind of value, and every error code must be the same. The
//! fake stays for what the real wiki cannot do on demand; this keeps it honest.

use std::collections::BTreeSet;

use harness::fake_wiki::{Clock, FakeWiki};
use harness::{BOT_LOGIN, BOT_PASSWORD, FlowSession, WIKI, Wiki, add_matchbot, api_url};
use serde_json::Value;

/// Every path to a value in `answer`, with the value's kind. Flow's ids (as map keys) become
/// `<id>`, and a list stands for its first element, so two answers about different topics
/// compare.
fn paths(answer: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, at: String, into: &mut BTreeSet<String>) {
        let kind = match value {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(items) => {
                if let Some(first) = items.first() {
                    walk(first, format!("{at}[]"), into);
                }
                "list"
            }
            Value::Object(map) => {
                for (key, value) in map {
                    let key = if is_flow_id(key) { "<id>" } else { key };
                    walk(value, format!("{at}.{key}"), into);
                }
                "map"
            }
        };
        into.insert(format!("{at}: {kind}"));
    }
    let mut into = BTreeSet::new();
    walk(answer, String::new(), &mut into);
    into
}

fn is_flow_id(key: &str) -> bool {
    key.len() == 16 && key.starts_with('z') && key.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The same Flow calls, in the same order, on one wiki: MatchBot starts a board, reads it
/// back and its header, and tries to edit it as wikitext.
async fn answers(api: &str, tag: &str) -> Vec<(&'static str, Value)> {
    let bot = FlowSession::bot(api, BOT_LOGIN, BOT_PASSWORD).await;
    let board = format!("User talk:MatchBot/Flow answers {tag}");
    let on_board = |more: &[(&'static str, &'static str)]| {
        let mut params = vec![
            ("page", board.as_str()),
            ("errorformat", "plaintext"),
            ("format", "json"),
            ("formatversion", "2"),
        ];
        params.extend_from_slice(more);
        params
    };
    let list = on_board(&[
        ("action", "flow"),
        ("submodule", "view-topiclist"),
        ("vtlformat", "wikitext"),
        ("vtllimit", "10"),
    ]);
    let topic = on_board(&[
        ("action", "flow"),
        ("submodule", "new-topic"),
        ("nttopic", "Hello"),
        ("ntcontent", "A first post. <!-- matchbot request=x -->"),
        ("ntformat", "wikitext"),
    ]);
    let header = on_board(&[
        ("action", "flow"),
        ("submodule", "view-header"),
        ("vhformat", "wikitext"),
    ]);
    let mut edit = on_board(&[("action", "edit"), ("appendtext", "x")]);
    edit[0] = ("title", board.as_str());
    vec![
        ("view-topiclist of a missing page", bot.read(&list).await),
        ("new-topic making a board", bot.write(&topic).await),
        ("view-topiclist", bot.read(&list).await),
        ("view-header before any", bot.read(&header).await),
        ("action=edit on the board", bot.write(&edit).await),
    ]
}

#[tokio::test]
async fn the_fake_wikis_flow_answers_are_shaped_like_the_real_flows() {
    let _wiki_lock = WIKI.lock().await;
    let real_wiki = Wiki::sandbox().await;
    let tag = harness::now_string().replace([':', '-'], "");
    let fake = FakeWiki::start(Clock::Real).await;
    add_matchbot(&fake);
    fake.enable_flow();
    let real = answers(&api_url(), &tag).await;
    let faked = answers(&fake.api, &tag).await;
    // The wikitext page Flow must refuse: made as a person would on each wiki.
    let page = format!("User talk:MatchBot/Not a board {tag}");
    real_wiki
        .edit_as("Maintainer", &page, "Plain wikitext.")
        .await;
    fake.edit("Maintainer", &page, "Plain wikitext.");

    let mut differences = Vec::new();
    for ((name, real), (_, fake)) in real.iter().zip(&faked) {
        let real_code = &real["errors"][0]["code"];
        let fake_code = &fake["errors"][0]["code"];
        if real_code != fake_code {
            differences.push(format!(
                "{name}: error {fake_code} where Flow says {real_code}"
            ));
        }
        let real_paths = paths(real);
        for path in paths(fake).difference(&real_paths) {
            differences.push(format!("{name}: the fake answers {path}, Flow does not"));
        }
    }
    for (wiki, api) in [("real", api_url()), ("fake", fake.api.clone())] {
        let bot = FlowSession::bot(&api, BOT_LOGIN, BOT_PASSWORD).await;
        let answer = bot
            .write(&[
                ("action", "flow"),
                ("submodule", "new-topic"),
                ("page", &page),
                ("nttopic", "Hello"),
                ("ntcontent", "Hi"),
                ("ntformat", "wikitext"),
                ("errorformat", "plaintext"),
            ])
            .await;
        if answer["errors"][0]["code"] != "invalid-page" {
            differences.push(format!("{wiki}: new-topic on a wikitext page: {answer}"));
        }
    }
    assert!(
        differences.is_empty(),
        "the fake wiki's Flow differs from Flow REL1_39:\n{}",
        differences.join("\n")
    );
}
