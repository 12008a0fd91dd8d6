//! Pages: `prop=info` and `prop=revisions` (text, content model, creators, earlier edits),
//! by `titles` or `pageids`. `prop=categories` runs in the same page loop; its links are
//! listed by `categories`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::categories::CategoryLinks;
use super::server::ns_of;
use super::state::{Page, Revision, Wiki};

pub(super) fn pages(
    wiki: &Wiki,
    props: &str,
    p: &HashMap<String, String>,
    mut answer: Value,
) -> Value {
    let props: Vec<&str> = props.split('|').collect();
    let mut wanted: Vec<Result<&Page, Value>> = Vec::new();
    if let Some(ids) = p.get("pageids") {
        for id in ids.split('|') {
            let found = id
                .parse::<u64>()
                .ok()
                .and_then(|n| wiki.titles.get(&n))
                .and_then(|t| wiki.pages.get(t));
            wanted.push(found.ok_or_else(
                || json!({ "pageid": id.parse::<u64>().unwrap_or(0), "missing": true }),
            ));
        }
    }
    if let Some(titles) = p.get("titles") {
        for title in titles.split('|') {
            wanted.push(wiki.pages.get(title).ok_or_else(|| {
                json!({ "ns": ns_of(title), "title": title, "missing": true, "contentmodel": "wikitext" })
            }));
        }
    }
    // By revision: each page holding one of them, with only those revisions.
    let revids: Option<Vec<u64>> = p
        .get("revids")
        .map(|ids| ids.split('|').filter_map(|id| id.parse().ok()).collect());
    if let Some(revids) = &revids {
        let holding = wiki
            .pages
            .values()
            .filter(|page| page.revisions.iter().any(|r| revids.contains(&r.revid)));
        wanted.extend(holding.map(Ok));
    }
    let rvprop: Vec<&str> = p
        .get("rvprop")
        .map_or("ids|timestamp|flags|comment|user", String::as_str)
        .split('|')
        .collect();
    // prop=categories lists at most `cllimit` links over all the pages (default 10), then
    // continues from the next one; a continued request gives only the unfinished module, as
    // MediaWiki skips the modules that already completed.
    let mut links = CategoryLinks::new(p);
    let props: Vec<&str> = if links.continuing() {
        props.into_iter().filter(|p| *p == "categories").collect()
    } else {
        props
    };
    let mut out = Vec::new();
    for page in wanted {
        let page = match page {
            Ok(page) => page,
            Err(missing) => {
                out.push(missing);
                continue;
            }
        };
        let mut v = json!({ "pageid": page.pageid, "ns": ns_of(&page.title), "title": page.title });
        if props.contains(&"info") {
            v["contentmodel"] = json!(page.content_model);
            v["pagelanguage"] = json!("en");
            v["lastrevid"] = json!(page.revisions.last().map_or(0, |r| r.revid));
            v["length"] = json!(page.revisions.last().map_or(0, |r| r.text.len()));
        }
        if props.contains(&"categories") {
            let categories = links.of(wiki, page.pageid);
            if !categories.is_empty() {
                v["categories"] = json!(categories);
            }
        }
        if props.contains(&"revisions") {
            let list_mode =
                p.contains_key("rvlimit") || p.contains_key("rvuser") || p.contains_key("rvdir");
            // (revision, its parent's id: 0 for the page's first).
            let parents: HashMap<u64, u64> = page
                .revisions
                .iter()
                .scan(0, |before, r| {
                    Some((r.revid, std::mem::replace(before, r.revid)))
                })
                .collect();
            let mut revisions: Vec<&Revision> = page.revisions.iter().collect();
            if let Some(revids) = &revids {
                revisions.retain(|r| revids.contains(&r.revid));
            }
            if let Some(user) = p.get("rvuser") {
                revisions.retain(|r| &r.user == user);
            }
            let newer = p.get("rvdir").map(String::as_str) == Some("newer");
            if !newer {
                revisions.reverse();
            }
            if let Some(from) = p.get("rvcontinue").and_then(|c| c.parse::<u64>().ok()) {
                revisions.retain(|r| {
                    if newer {
                        r.revid >= from
                    } else {
                        r.revid <= from
                    }
                });
            }
            let limit = if revids.is_some() {
                revisions.len()
            } else if list_mode {
                p.get("rvlimit").and_then(|n| n.parse().ok()).unwrap_or(1)
            } else {
                1
            };
            if revisions.len() > limit {
                answer["continue"] =
                    json!({ "rvcontinue": revisions[limit].revid.to_string(), "continue": "||" });
                answer.as_object_mut().map(|o| o.remove("batchcomplete"));
            }
            let shown: Vec<Value> = revisions
                .iter()
                .take(limit)
                .map(|r| {
                    let mut rv = json!({});
                    for prop in &rvprop {
                        match *prop {
                            "ids" => {
                                rv["revid"] = json!(r.revid);
                                rv["parentid"] = json!(parents.get(&r.revid).copied().unwrap_or(0));
                            }
                            "timestamp" => rv["timestamp"] = json!(r.timestamp.to_string()),
                            "user" => rv["user"] = json!(r.user),
                            "userid" => rv["userid"] = json!(r.userid),
                            "content" => {
                                rv["slots"] = json!({ "main": {
                                    "contentmodel": page.content_model,
                                    "contentformat": "text/x-wiki",
                                    "content": r.text,
                                }});
                            }
                            _ => {}
                        }
                    }
                    rv
                })
                .collect();
            v["revisions"] = json!(shown);
        }
        out.push(v);
    }
    links.finish(&mut answer);
    answer["query"] = json!({ "pages": out });
    answer
}
