//! The bot's watchlist: how the scanner hears of category changes at one request per poll.
//!
//! With `$wgRCWatchCategoryMembership` (on at Wikimedia wikis), adding a page to a category or
//! removing it writes a `categorize` change on the category's page. The bot watches its
//! categories, so `list=watchlist&wltype=categorize` returns exactly their changes and nothing
//! else on the wiki. Such a change says which page (`pageid`) and which category (`title`), not
//! whether the page was added or removed: that is only in the comment, which is localised
//! text. Callers confirm membership with [`Client::page_categories`](crate::Client).

use matchbot_model::Timestamp;
use serde::Deserialize;

use crate::query::{TITLES_PER_REQUEST, continuation};
use crate::{Client, Error};

/// A page added to or removed from a watched category.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CategoryChange {
    /// The category, with its namespace (`Category:…`).
    #[serde(rename = "title")]
    pub category: String,
    /// The page added or removed.
    pub pageid: u64,
    /// The page's revision that made the change (0 when the wiki gives none).
    #[serde(default)]
    pub revid: u64,
    /// When the change was made (the page's edit, not when the wiki got round to noting it).
    pub timestamp: Timestamp,
}

impl CategoryChange {
    /// A key naming this change, the same on every poll that sees it again.
    pub fn key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.pageid,
            self.revid,
            self.timestamp.compact(),
            self.category
        )
    }
}

/// An edit of a watched page (the settings page, say).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PageEdit {
    /// The page.
    pub title: String,
    /// The revision the edit made.
    #[serde(default)]
    pub revid: u64,
    /// When.
    pub timestamp: Timestamp,
}

/// One line of the watchlist: a category change, or an edit or creation of a watched page.
#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    #[serde(flatten)]
    rest: serde_json::Value,
}

/// The category changes since some time, and the wiki's clock when it answered.
#[derive(Debug, Clone)]
pub struct CategoryChanges {
    /// Oldest first.
    pub changes: Vec<CategoryChange>,
    /// Edits and creations of the watched pages that are not categories, oldest first.
    pub edits: Vec<PageEdit>,
    /// The server's time (`curtimestamp`), for the next poll's cursor.
    pub server_time: Timestamp,
}

/// True for a line about a page in the Category namespace (14): an edit of a category's own
/// text is none of the scanner's business.
fn is_category(line: &serde_json::Value) -> bool {
    line["ns"].as_i64() == Some(14)
}

impl Client {
    /// The category changes on the bot's watchlist made at or after `since`, oldest first,
    /// and the edits of the other pages it watches. One request while there are fewer than
    /// the API's limit (500; 5000 for bots).
    pub async fn category_changes(&self, since: Timestamp) -> Result<CategoryChanges, Error> {
        let since = since.to_string();
        let mut changes = Vec::new();
        let mut edits = Vec::new();
        let mut server_time = None;
        let mut next: Option<(String, String)> = None;
        loop {
            let mut params = vec![
                ("action", "query"),
                ("list", "watchlist"),
                ("wltype", "categorize|edit|new"),
                ("wlprop", "ids|title|timestamp"),
                // Every change, not just the latest per category page.
                ("wlallrev", "1"),
                ("wldir", "newer"),
                ("wlstart", &since),
                ("wllimit", "max"),
                ("curtimestamp", "1"),
            ];
            if let Some((cont, wlcont)) = &next {
                params.push(("continue", cont));
                params.push(("wlcontinue", wlcont));
            }
            let answer = self.get(&params).await?;
            if server_time.is_none() {
                server_time = answer["curtimestamp"]
                    .as_str()
                    .and_then(|t| Timestamp::parse(t).ok());
            }
            let lines: Vec<Line> = serde_json::from_value(answer["query"]["watchlist"].clone())
                .map_err(|e| Error::Decode(format!("list=watchlist: {e}")))?;
            for line in lines {
                let decode = |e: serde_json::Error| Error::Decode(format!("list=watchlist: {e}"));
                if line.kind == "categorize" {
                    changes.push(serde_json::from_value(line.rest).map_err(decode)?);
                } else if !is_category(&line.rest) {
                    edits.push(serde_json::from_value(line.rest).map_err(decode)?);
                }
            }
            next = continuation(&answer, "wlcontinue");
            if next.is_none() {
                break;
            }
        }
        Ok(CategoryChanges {
            changes,
            edits,
            server_time: server_time
                .ok_or_else(|| Error::Decode("no curtimestamp in the answer".into()))?,
        })
    }

    /// Of `titles`, those not on the bot's watchlist.
    pub async fn unwatched(&self, titles: &[String]) -> Result<Vec<String>, Error> {
        let mut unwatched = Vec::new();
        for batch in titles.chunks(TITLES_PER_REQUEST) {
            let joined = batch.join("|");
            let answer = self
                .get(&[
                    ("action", "query"),
                    ("prop", "info"),
                    ("inprop", "watched"),
                    ("titles", &joined),
                ])
                .await?;
            for page in answer["query"]["pages"].as_array().into_iter().flatten() {
                if !page["watched"].as_bool().unwrap_or(false)
                    && let Some(title) = page["title"].as_str()
                {
                    unwatched.push(title.to_owned());
                }
            }
        }
        Ok(unwatched)
    }

    /// Puts `titles` on the bot's watchlist, for good (no expiry). Needs the bot password's
    /// "Edit your watchlist" grant; without it the API answers `permissiondenied`.
    pub async fn watch(&self, titles: &[String]) -> Result<(), Error> {
        for batch in titles.chunks(TITLES_PER_REQUEST) {
            let joined = batch.join("|");
            self.post_watch(&[("action", "watch"), ("titles", &joined)])
                .await?;
        }
        Ok(())
    }
}
