//! Flow, on a wiki where it is installed: `meta=siteinfo` lists the extension, and
//! `action=flow` posts new topics and shows a board's topics and header. The answers have the
//! shape Flow REL1_39 gives (the sandbox runs the real one; `tests/e2e/flow.rs`): ids in Flow's
//! alphadecimal form, a first post's id equal to its revision's, PHP's `[]` for an empty map.

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
                return not_a_board();
            }
            if is_board.is_none() {
                // A new topic on a missing page creates the board.
                wiki.save(&user, &board, "", false);
                if let Some(page) = wiki.pages.get_mut(&board) {
                    page.content_model = "flow-board".into();
                }
            }
            let mut uuid = || alphadecimal(wiki.random());
            let (topic_id, post_revision_id, topic_revision_id) = (uuid(), uuid(), uuid());
            // A post's first revision has the post's own id.
            let post_id = post_revision_id.clone();
            let topic = Topic {
                board: board.clone(),
                title: p.get("nttopic").cloned().unwrap_or_default(),
                content: p.get("ntcontent").cloned().unwrap_or_default(),
                user,
                post_revision_id: post_revision_id.clone(),
                topic_page: topic_page(&topic_id),
            };
            wiki.topics.push(topic);
            json!({ "flow": { "new-topic": {
                "status": "ok",
                "workflow": workflow_of(&board),
                "committed": { "topiclist": {
                    "topic-page": topic_page(&topic_id),
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
            for topic in newest_first.take(limit) {
                // The topic is a post too: its revision holds the title, and its reply is the
                // first post, whose id is its first revision's.
                let topic_id = topic.topic_page.trim_start_matches("Topic:").to_lowercase();
                let root_revision = workflow_of(&format!("{topic_id} title"));
                let post_id = topic.post_revision_id.clone();
                roots.push(json!(topic_id));
                posts.insert(topic_id.clone(), json!([root_revision]));
                posts.insert(post_id.clone(), json!([topic.post_revision_id]));
                let creator = json!({ "name": topic.user });
                revisions.insert(
                    root_revision,
                    json!({ "postId": topic_id, "replies": [post_id],
                            "content": { "content": topic.title, "format": "topic-title-wikitext",
                                         "plaintext": topic.title },
                            "creator": creator, "author": creator, "changeType": "new-post" }),
                );
                revisions.insert(
                    topic.post_revision_id.clone(),
                    json!({ "postId": topic.post_revision_id, "replies": [],
                            "content": { "content": topic.content, "format": format },
                            "creator": creator, "author": creator, "changeType": "reply" }),
                );
            }
            topic_list(&board, roots, posts, revisions)
        }
        // A page that does not exist yet is an empty board to Flow.
        "view-topiclist" if is_board.is_none() => topic_list(
            &board,
            Vec::new(),
            serde_json::Map::new(),
            serde_json::Map::new(),
        ),
        "view-header" if is_board == Some(true) => {
            // Before any header, the revision has only what may be done with it.
            let revision = match wiki.headers.get(&board) {
                Some(text) => json!({ "content": { "content": text, "format": "wikitext" },
                                      "revisionId": alphadecimal(text.len() as u64 + 1),
                                      "changeType": "create-header",
                                      "actions": { "edit": {} }, "links": {} }),
                None => json!({ "actions": { "edit": {} }, "links": [] }),
            };
            json!({ "flow": { "view-header": { "result": { "header": {
                "type": "header", "revision": revision,
            }}, "status": "ok" }}})
        }
        "view-topiclist" | "view-header" => not_a_board(),
        other => error(
            "badvalue",
            &format!("Unrecognized value for parameter \"submodule\": {other}."),
        ),
    }
}

/// Flow's answer for a page that exists and is not a board.
fn not_a_board() -> Value {
    error(
        "invalid-page",
        "Page provided does not have Structured Discussions enabled and safeAllowCreation failed \
         with: Page already exists at destination, so a Structured Discussions board can not be \
         moved there.",
    )
}

/// A topic list as Flow shows one; PHP writes an empty map as `[]`.
fn topic_list(
    board: &str,
    roots: Vec<Value>,
    posts: serde_json::Map<String, Value>,
    revisions: serde_json::Map<String, Value>,
) -> Value {
    let map = |m: serde_json::Map<String, Value>| {
        if m.is_empty() {
            json!([])
        } else {
            Value::Object(m)
        }
    };
    json!({ "flow": { "view-topiclist": { "result": { "topiclist": {
        "workflowId": workflow_of(board), "title": board, "errors": [], "sortby": "updated",
        "roots": roots, "posts": map(posts), "revisions": map(revisions), "type": "topiclist",
    }}, "status": "ok" }}})
}

/// A board's workflow id: the same for every answer about the board.
fn workflow_of(board: &str) -> String {
    let hash = board.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    alphadecimal(hash)
}

/// A Flow UUID in its alphadecimal form: 16 characters of `0-9a-z`, starting `z` as Flow's
/// current ids do.
fn alphadecimal(mut n: u64) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut id = String::from("z");
    for _ in 0..15 {
        id.push(char::from(digits[(n % 36) as usize]));
        n /= 36;
    }
    id
}

/// A topic's page: `Topic:` and its id, capitalised as page titles are.
fn topic_page(topic_id: &str) -> String {
    let mut chars = topic_id.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase());
    format!(
        "Topic:{}{}",
        first.into_iter().collect::<String>(),
        chars.as_str()
    )
}
