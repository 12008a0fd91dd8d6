//! The watchlist: `list=watchlist&wltype=categorize` (the category changes on it),
//! `action=watch`, and `prop=info&inprop=watched`.

use std::collections::HashMap;

use serde_json::{Value, json};

use matchbot_model::Timestamp;

use super::login::refuse_bad_token;
use super::server::{error, ns_of};
use super::state::Wiki;

/// `list=watchlist&wltype=categorize`, oldest first from `wlstart` (`wldir=newer`).
pub(super) fn watchlist(
    wiki: &Wiki,
    user: Option<String>,
    p: &HashMap<String, String>,
    mut answer: Value,
) -> Value {
    let Some(user) = user else {
        return error("notloggedin", "Please log in to view your watchlist.");
    };
    let start = p.get("wlstart").and_then(|t| Timestamp::parse(t).ok());
    let changes: Vec<Value> = wiki
        .category_changes
        .iter()
        .filter(|(category, ..)| wiki.watched.contains(&(user.clone(), category.clone())))
        .filter(|(.., t)| start.is_none_or(|s| *t >= s))
        .map(|(category, pageid, revid, t)| {
            json!({
                "type": "categorize", "ns": 14, "title": category, "pageid": pageid,
                "revid": revid, "old_revid": 0, "timestamp": t.to_string(),
            })
        })
        .collect();
    answer["query"] = json!({ "watchlist": changes });
    answer
}

/// `action=watch`: adds `titles` to the user's watchlist.
pub(super) fn watch(
    wiki: &mut Wiki,
    session_id: &str,
    user: Option<String>,
    p: &HashMap<String, String>,
) -> Value {
    if let Some(refused) = refuse_bad_token(wiki, session_id, p) {
        return refused;
    }
    let Some(user) = user else {
        return error("notloggedin", "Please log in to edit your watchlist.");
    };
    let mut watched = Vec::new();
    for title in p.get("titles").map_or("", String::as_str).split('|') {
        wiki.watched.insert((user.clone(), title.to_owned()));
        watched.push(json!({ "title": title, "ns": ns_of(title), "watched": true }));
    }
    json!({ "batchcomplete": true, "watch": watched })
}

/// prop=info&inprop=watched: whether the session's user watches each page.
pub(super) fn mark_watched(
    wiki: &Wiki,
    user: Option<String>,
    p: &HashMap<String, String>,
    answer: &mut Value,
) {
    if p.get("inprop")
        .is_some_and(|i| i.split('|').any(|i| i == "watched"))
    {
        for page in answer["query"]["pages"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            let title = page["title"].as_str().unwrap_or("").to_owned();
            let watched = user
                .as_ref()
                .is_some_and(|u| wiki.watched.contains(&(u.clone(), title)));
            page["watched"] = json!(watched);
        }
    }
}
