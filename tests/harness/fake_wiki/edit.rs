//! `action=edit`: appending to a page or replacing its text, as the bot's messages and its
//! report do; refused on protected pages and Flow boards.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Edit;
use super::login::refuse_bad_token;
use super::server::error;
use super::state::Wiki;

pub(super) fn edit(
    wiki: &mut Wiki,
    session_id: &str,
    user: Option<String>,
    p: &HashMap<String, String>,
) -> Value {
    if let Some(refused) = refuse_bad_token(wiki, session_id, p) {
        return refused;
    }
    let Some(user) = user else {
        return error(
            "permissiondenied",
            "The action you have requested is limited to users in the group: Users.",
        );
    };
    let Some(title) = p.get("title").filter(|t| !t.is_empty()) else {
        return error("missingparam", "The \"title\" parameter must be set.");
    };
    if wiki.protected.contains(title) {
        return error(
            "protectedpage",
            "This page has been protected to prevent editing or other actions.",
        );
    }
    if wiki
        .pages
        .get(title)
        .is_some_and(|page| page.content_model == "flow-board")
    {
        // As Flow REL1_39 answers.
        return error(
            "no-direct-editing",
            &format!(
                "Direct editing via API is not supported for content model flow-board used by {}.",
                title.replace(' ', "_")
            ),
        );
    }
    let (text, append) = match (p.get("appendtext"), p.get("text")) {
        (Some(t), _) => (t.clone(), true),
        (None, Some(t)) => (t.clone(), false),
        (None, None) => {
            return error(
                "missingparam",
                "One of the parameters \"text\" and \"appendtext\" is required.",
            );
        }
    };
    let existed = wiki
        .pages
        .get(title)
        .and_then(|p| p.revisions.last())
        .map(|r| r.revid);
    let (pageid, revision) = wiki.save(&user, title, &text, append);
    wiki.edits.push(Edit {
        title: title.clone(),
        user,
        text,
        summary: p.get("summary").cloned().unwrap_or_default(),
        revid: revision.revid,
        timestamp: revision.timestamp,
        received: std::time::Instant::now(),
    });
    let mut result = json!({
        "result": "Success",
        "pageid": pageid,
        "title": title,
        "contentmodel": "wikitext",
        "newrevid": revision.revid,
        "newtimestamp": revision.timestamp.to_string(),
        "watched": false,
    });
    match existed {
        Some(old) => result["oldrevid"] = json!(old),
        None => result["new"] = json!(true),
    }
    json!({ "edit": result })
}
