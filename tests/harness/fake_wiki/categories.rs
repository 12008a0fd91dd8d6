//! Categories: `list=categorymembers` (a category's pages, by when they were added, with
//! continuation) and `prop=categories` (the categories a page is in, and since when).

use std::collections::HashMap;

use matchbot_model::Timestamp;
use serde_json::{Value, json};

use super::server::ns_of;
use super::state::Wiki;

/// A listing's `…limit` parameter: 10 by default, `max` is 500 (a normal account's limit).
fn list_limit(p: &HashMap<String, String>, key: &str) -> usize {
    match p.get(key).map(String::as_str) {
        None => 10,
        Some("max") => 500,
        Some(n) => n.parse().unwrap_or(10),
    }
}

pub(super) fn category_members(
    wiki: &Wiki,
    p: &HashMap<String, String>,
    mut answer: Value,
) -> Value {
    let category = p.get("cmtitle").cloned().unwrap_or_default();
    let mut members: Vec<(u64, Timestamp)> =
        wiki.categories.get(&category).cloned().unwrap_or_default();
    members.sort_by_key(|(id, t)| (*t, *id));
    let older = p.get("cmdir").map(String::as_str) == Some("older");
    if older {
        members.reverse();
    }
    let bound = |key: &str| p.get(key).and_then(|t| Timestamp::parse(t).ok());
    // cmstart is where listing starts and cmend where it stops, in the listing's direction.
    let (start, end) = (bound("cmstart"), bound("cmend"));
    members.retain(|(_, t)| {
        let after_start = start.is_none_or(|s| if older { *t <= s } else { *t >= s });
        let before_end = end.is_none_or(|e| if older { *t >= e } else { *t <= e });
        after_start && before_end
    });
    let limit = list_limit(p, "cmlimit");
    let offset: usize = p
        .get("cmcontinue")
        .and_then(|c| c.strip_prefix("page|"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = members
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|(id, t)| {
            let title = wiki.titles.get(id)?;
            Some(json!({ "pageid": id, "ns": ns_of(title), "title": title, "timestamp": t.to_string() }))
        })
        .collect();
    if offset + limit < members.len() {
        answer["continue"] =
            json!({ "cmcontinue": format!("page|{}", offset + limit), "continue": "-||" });
        answer.as_object_mut().map(|o| o.remove("batchcomplete"));
    }
    answer["query"] = json!({ "categorymembers": page });
    answer
}

/// `prop=categories` over the pages of one answer: at most `cllimit` links over all of them,
/// from where `clcontinue` says the earlier answer stopped.
pub(super) struct CategoryLinks<'a> {
    /// `clcategories`: only these, if any.
    only: Vec<&'a str>,
    left: usize,
    from: Option<(u64, String)>,
    resumed: bool,
    next: Option<String>,
}

impl<'a> CategoryLinks<'a> {
    pub(super) fn new(p: &'a HashMap<String, String>) -> CategoryLinks<'a> {
        CategoryLinks {
            only: p
                .get("clcategories")
                .map_or(Vec::new(), |c| c.split('|').collect()),
            left: list_limit(p, "cllimit"),
            from: p.get("clcontinue").and_then(|c| {
                let (id, name) = c.split_once('|')?;
                Some((id.parse().ok()?, name.to_owned()))
            }),
            resumed: false,
            next: None,
        }
    }

    /// Whether the request continues an earlier one (`clcontinue`).
    pub(super) fn continuing(&self) -> bool {
        self.from.is_some()
    }

    /// The links of the page `pageid` that this answer lists.
    pub(super) fn of(&mut self, wiki: &Wiki, pageid: u64) -> Vec<Value> {
        let mut categories = Vec::new();
        let links = wiki.memberships.get(&pageid).into_iter().flatten();
        for (name, added) in links {
            if !self.only.is_empty() && !self.only.contains(&name.as_str()) {
                continue;
            }
            let here = (pageid, name.as_str());
            if let Some(from) = &self.from
                && !self.resumed
            {
                // Continuing: skip what the earlier answers gave.
                self.resumed = (from.0, from.1.as_str()) == here;
                if !self.resumed {
                    continue;
                }
            }
            if self.left == 0 {
                self.next.get_or_insert_with(|| format!("{pageid}|{name}"));
                continue;
            }
            self.left -= 1;
            categories.push(json!({ "ns": 14, "title": name, "timestamp": added.to_string() }));
        }
        categories
    }

    /// Adds `clcontinue` to `answer` when links are left for the next request.
    pub(super) fn finish(self, answer: &mut Value) {
        if let Some(next) = self.next {
            answer["continue"] = json!({ "clcontinue": next, "continue": "||" });
            answer.as_object_mut().map(|o| o.remove("batchcomplete"));
        }
    }
}
