//! Flow, on a wiki where it is installed: `meta=siteinfo` lists the extension, and
//! `action=flow` posts new topics and shows a board's topics and header.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Topic;
use super::login::refuse_bad_token;
use super::server::error;
use super::state::Wiki;

/// `meta=siteinfo`: the installed extensions, Flow among them once enabled.
pub(super) fn siteinfo(wiki: &Wiki, mut answer: Value) -> Value {
    let mut extensions = vec![json!({ "type": "parserhook", "name": "ParserFunctions" })];
    if wiki.flow {
        extensions.push(json!({ "type": "other", "name": "Flow" }));
    }
    answer["query"] = json!({ "extensions": extensions });
    answer
}

/// `action=flow`: new-topic (a write), view-topiclist and view-header (reads).
pub(super) fn flow(
    wiki: &mut Wiki,
    session_id: &str,
    user: Option<String>,
    p: &HashMap<String, String>,
) -> Value {
    let submodule = p.get("submodule").map_or("", String::as_str);
    let Some(board) = p.get("page").filter(|t| !t.is_empty()).cloned() else {
        return error("missingparam", "The \"page\" parameter must be set.");
    };
    let is_board = wiki
        .pages
        .get(&board)
        .map(|page| page.content_model == "flow-board");
    match submodule {
        "new-topic" => {
            if let Some(refused) = refuse_bad_token(wiki, session_id, p) {
                return refused;
            }
            let Some(user) = user else {
                return error("permissiondenied", "You do not have permission to post.");
            };
            if is_board == Some(false) {
                return error(
                    "invalid-page",
                    &format!("The page \"{board}\" is not a Flow board."),
                );
            }
            if is_board.is_none() {
                // A new topic on a missing page creates the board.
                wiki.save(&user, &board, "", false);
                if let Some(page) = wiki.pages.get_mut(&board) {
                    page.content_model = "flow-board".into();
                }
            }
            let mut uuid = || format!("{:016x}", wiki.random()).replace('0', "z");
            let (topic_id, post_id, post_revision_id, topic_revision_id) =
                (uuid(), uuid(), uuid(), uuid());
            let topic = Topic {
                board: board.clone(),
                title: p.get("nttopic").cloned().unwrap_or_default(),
                content: p.get("ntcontent").cloned().unwrap_or_default(),
                user,
                post_revision_id: post_revision_id.clone(),
                topic_page: format!("Topic:{topic_id}"),
            };
            wiki.topics.push(topic);
            json!({ "flow": { "new-topic": {
                "status": "ok",
                "workflow": topic_id,
                "committed": { "topiclist": {
                    "topic-page": format!("Topic:{topic_id}"),
                    "topic-id": topic_id,
                    "topic-revision-id": topic_revision_id,
                    "post-id": post_id,
                    "post-revision-id": post_revision_id,
                }},
            }}})
        }
        "view-topiclist" if is_board == Some(true) => {
            let limit: usize = p.get("vtllimit").and_then(|n| n.parse().ok()).unwrap_or(10);
            let format = p.get("vtlformat").map_or("fixed-html", String::as_str);
            let mut roots = Vec::new();
            let mut posts = serde_json::Map::new();
            let mut revisions = serde_json::Map::new();
            let newest_first = wiki.topics.iter().rev().filter(|t| t.board == board);
            for (n, topic) in newest_first.take(limit).enumerate() {
                let topic_id = topic.topic_page.trim_start_matches("Topic:").to_owned();
                let root_revision = format!("{topic_id}r{n}");
                let post_id = format!("{topic_id}p{n}");
                roots.push(json!(topic_id));
                posts.insert(topic_id.clone(), json!([root_revision]));
                posts.insert(post_id.clone(), json!([topic.post_revision_id]));
                revisions.insert(
                    root_revision,
                    json!({ "content": { "content": topic.title, "format": "plaintext" },
                            "replies": [post_id] }),
                );
                revisions.insert(
                    topic.post_revision_id.clone(),
                    json!({ "content": { "content": topic.content, "format": format },
                            "creator": { "name": topic.user } }),
                );
            }
            json!({ "flow": { "view-topiclist": { "result": { "topiclist": {
                "roots": roots, "posts": posts, "revisions": revisions, "type": "topiclist",
            }}, "status": "ok" }}})
        }
        "view-header" if is_board == Some(true) => {
            let revision = match wiki.headers.get(&board) {
                Some(text) => json!({ "content": { "content": text, "format": "wikitext" } }),
                None => json!([]),
            };
            json!({ "flow": { "view-header": { "result": { "header": {
                "type": "header", "revision": revision,
            }}, "status": "ok" }}})
        }
        "view-topiclist" | "view-header" => error(
            "invalid-page",
            &format!("The page \"{board}\" is not a Flow board."),
        ),
        other => error(
            "badvalue",
            &format!("Unrecognized value for parameter \"submodule\": {other}."),
        ),
    }
}
