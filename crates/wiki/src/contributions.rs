//! Who edited what: `list=usercontribs` for many accounts at once, which is how the lifecycle
//! sees contact between mentors and learners, and whether learners still edit, without reading
//! a word of what they wrote.

use std::collections::BTreeSet;

use matchbot_model::Timestamp;
use serde_json::Value;

use crate::query::{TITLES_PER_REQUEST, continuation};
use crate::{Client, Error};

/// One edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// Who made it.
    pub user: String,
    /// Their user id.
    pub userid: u64,
    /// The page edited.
    pub title: String,
    /// Its namespace.
    pub ns: i64,
    /// The revision.
    pub revid: u64,
    /// When.
    pub timestamp: Timestamp,
}

/// The edits a listing found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contributions {
    /// Newest first within each batch of 50 accounts.
    pub edits: Vec<Contribution>,
    /// False when some batch had more than `max_pages` pages of edits: the oldest are missing.
    pub complete: bool,
}

impl Client {
    /// The edits by any of `users` made at or after `since`, in `namespaces` (`None`: all):
    /// one request per 50 accounts and per 500 edits (`per_page`, when given, asks for fewer
    /// per request), at most `max_pages` requests per 50 accounts. An entry the wiki answers
    /// without a user, title, revision or time is left out.
    pub async fn contributions(
        &self,
        users: &[String],
        namespaces: Option<&[i64]>,
        since: Timestamp,
        max_pages: usize,
        per_page: Option<u32>,
    ) -> Result<Contributions, Error> {
        let limit = per_page.map_or_else(|| "max".to_owned(), |n| n.to_string());
        let users: Vec<&String> = users
            .iter()
            .filter(|u| !u.trim().is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let namespaces =
            namespaces.map(|ns| ns.iter().map(i64::to_string).collect::<Vec<_>>().join("|"));
        let since = since.to_string();
        let mut found = Contributions {
            edits: Vec::new(),
            complete: true,
        };
        for batch in users.chunks(TITLES_PER_REQUEST) {
            let joined = batch
                .iter()
                .map(|u| u.as_str())
                .collect::<Vec<_>>()
                .join("|");
            let mut next: Option<(String, String)> = None;
            for page in 0..max_pages.max(1) {
                let mut params = vec![
                    ("action", "query"),
                    ("list", "usercontribs"),
                    ("ucuser", joined.as_str()),
                    ("ucprop", "ids|title|timestamp"),
                    ("uclimit", limit.as_str()),
                    ("ucend", since.as_str()),
                ];
                if let Some(ns) = &namespaces {
                    params.push(("ucnamespace", ns));
                }
                if let Some((cont, uccont)) = &next {
                    params.push(("continue", cont));
                    params.push(("uccontinue", uccont));
                }
                let answer = self.get(&params).await?;
                found.edits.extend(parse(&answer));
                next = continuation(&answer, "uccontinue");
                if next.is_none() {
                    break;
                }
                if page + 1 == max_pages.max(1) {
                    found.complete = false;
                }
            }
        }
        Ok(found)
    }

    /// The namespace number of `title`; a page that does not exist still has one.
    pub async fn namespace_of(&self, title: &str) -> Result<i64, Error> {
        let answer = self.get(&[("action", "query"), ("titles", title)]).await?;
        let page = &answer["query"]["pages"][0];
        if page.get("invalid").is_some() {
            let why = page["invalidreason"].as_str().unwrap_or("invalid title");
            return Err(Error::Decode(format!("{title:?}: {why}")));
        }
        page["ns"]
            .as_i64()
            .ok_or_else(|| Error::Decode(format!("no namespace for {title:?} in the answer")))
    }
}

/// The well-formed entries of a `list=usercontribs` answer.
fn parse(answer: &Value) -> Vec<Contribution> {
    answer["query"]["usercontribs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some(Contribution {
                user: e["user"].as_str()?.to_owned(),
                userid: e["userid"].as_u64().unwrap_or(0),
                title: e["title"].as_str()?.to_owned(),
                ns: e["ns"].as_i64()?,
                revid: e["revid"].as_u64()?,
                timestamp: Timestamp::parse(e["timestamp"].as_str()?).ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_the_wiki_sends_malformed_are_left_out() {
        let answer = serde_json::json!({"batchcomplete": true, "query": {"usercontribs": [
            {"userid": 4, "user": "Ada", "pageid": 9, "revid": 31, "parentid": 30, "ns": 3,
             "title": "User talk:Ken", "timestamp": "2026-11-21T10:00:00Z"},
            {"userid": 5, "user": "Ken", "revid": "32", "ns": 3, "title": "User talk:Ada",
             "timestamp": "2026-11-21T10:00:00Z"},
            {"userid": 5, "user": "Ken", "revid": 33, "ns": 3, "title": "User talk:Ada",
             "timestamp": "yesterday"},
            {"user": null},
            "not an object"
        ]}});
        let edits = parse(&answer);
        assert_eq!(edits.len(), 1);
        assert_eq!(
            (edits[0].user.as_str(), edits[0].revid, edits[0].ns),
            ("Ada", 31, 3)
        );
        assert!(parse(&serde_json::json!({"query": {"usercontribs": 7}})).is_empty());
    }
}
