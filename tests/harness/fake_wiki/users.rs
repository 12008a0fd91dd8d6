//! Accounts: `list=users`, with the block of an account blocked from the whole wiki.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::state::Wiki;

/// `list=users`: each of `ususers`, missing, blocked or neither.
pub(super) fn users(wiki: &Wiki, p: &HashMap<String, String>, mut answer: Value) -> Value {
    let users: Vec<Value> = p
        .get("ususers")
        .map_or("", String::as_str)
        .split('|')
        .map(|name| match wiki.users.get(name) {
            None => json!({ "name": name, "missing": true }),
            Some(id) if wiki.blocked.contains(name) => json!({
                "userid": id, "name": name, "blockid": 1000 + id, "blockedby": "Admin",
                "blockedbyid": 1, "blockreason": "test", "blockexpiry": "infinite",
                "blockpartial": false,
            }),
            Some(id) => json!({ "userid": id, "name": name }),
        })
        .collect();
    answer["query"] = json!({ "users": users });
    answer
}
