use std::collections::BTreeMap;

use matchbot_model::{Timestamp, User};
use serde_json::Value;

use crate::{Client, Error};

/// Who created a page: the author of its first revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creator {
    /// The page id.
    pub pageid: u64,
    /// The page's current title.
    pub title: String,
    /// The author of the first revision.
    pub user: User,
}

/// A talk page as the notifier needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalkPage {
    /// The normalised title.
    pub title: String,
    /// False when the page does not exist yet.
    pub exists: bool,
    /// `wikitext`, `flow-board`, …; `None` for a missing page.
    pub content_model: Option<String>,
    /// The current wikitext (empty for a missing page).
    pub text: String,
    /// The current revision (`None` for a missing page): an edit based on this text passes it
    /// on, so that a change saved in between is a conflict, not overwritten.
    pub revid: Option<u64>,
    /// Of the templates asked about (`gates.skip_templates`), those the page uses, as the
    /// wiki spells their titles; empty when none was asked about.
    pub templates: Vec<String>,
}

/// One revision of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The revision id.
    pub revid: u64,
    /// When it was saved.
    pub timestamp: Timestamp,
}

impl Client {
    /// The creator of page `pageid`, or `None` when the page no longer exists (deleted between
    /// the listing and now: one bad page must not stop a run, the original's defect 7 in
    /// docs/ARCHITECTURE.md).
    pub async fn page_creator(&self, pageid: u64) -> Result<Option<Creator>, Error> {
        let id = pageid.to_string();
        let answer = self
            .get(&[
                ("action", "query"),
                ("prop", "revisions"),
                ("pageids", &id),
                ("rvprop", "user|userid"),
                ("rvdir", "newer"),
                ("rvlimit", "1"),
            ])
            .await?;
        let Some(page) = first_page(&answer) else {
            return Ok(None);
        };
        if page["missing"].as_bool().unwrap_or(false) {
            return Ok(None);
        }
        let revision = &page["revisions"][0];
        let (Some(name), Some(userid), Some(title)) = (
            revision["user"].as_str(),
            revision["userid"].as_u64(),
            page["title"].as_str(),
        ) else {
            // A suppressed user name (`userhidden`) reads as no creator.
            return Ok(None);
        };
        Ok(Some(Creator {
            pageid,
            title: title.to_owned(),
            user: User {
                name: name.to_owned(),
                id: userid,
            },
        }))
    }

    /// The creator of the page titled `title`.
    pub async fn page_creator_by_title(&self, title: &str) -> Result<Option<Creator>, Error> {
        let answer = self
            .get(&[("action", "query"), ("prop", "info"), ("titles", title)])
            .await?;
        match first_page(&answer).and_then(|p| p["pageid"].as_u64()) {
            Some(id) => self.page_creator(id).await,
            None => Ok(None),
        }
    }

    /// A talk page's current text and content model.
    pub async fn talk_page(&self, title: &str) -> Result<TalkPage, Error> {
        let answer = self
            .get(&[
                ("action", "query"),
                ("prop", "info|revisions"),
                ("titles", title),
                ("rvprop", "content"),
                ("rvslots", "main"),
            ])
            .await?;
        let page = first_page(&answer)
            .ok_or_else(|| Error::Decode(format!("no page in the answer for {title}")))?;
        read_talk_page(page, title)
    }

    /// Of `user`'s newest [`MOST_OWN_REVISIONS`] revisions of `title`, the oldest that added
    /// `needle`: its text holds it and the text before it does not. Anyone can write a marker
    /// on a talk page; only one the bot's own edit added says the bot posted there. Two
    /// requests whatever the page's history: the bot's revisions, then the revisions before
    /// those that hold the needle.
    pub async fn revision_adding(
        &self,
        title: &str,
        user: &str,
        needle: &str,
    ) -> Result<Option<Revision>, Error> {
        let limit = MOST_OWN_REVISIONS.to_string();
        let answer = self
            .get(&[
                ("action", "query"),
                ("prop", "revisions"),
                ("titles", title),
                ("rvuser", user),
                ("rvprop", "ids|timestamp|content"),
                ("rvslots", "main"),
                ("rvlimit", &limit),
            ])
            .await?;
        let revisions = first_page(&answer)
            .and_then(|p| p["revisions"].as_array())
            .into_iter()
            .flatten();
        // Oldest first, the ones whose text holds the needle: (revid, parentid, timestamp).
        let mut holding: Vec<(u64, u64, Timestamp)> = revisions
            .filter(|r| content(r).contains(needle))
            .filter_map(|r| {
                let timestamp = r["timestamp"].as_str()?;
                Some((
                    r["revid"].as_u64()?,
                    r["parentid"].as_u64().unwrap_or(0),
                    Timestamp::parse(timestamp).ok()?,
                ))
            })
            .collect();
        holding.sort_by_key(|(revid, _, _)| *revid);
        let parents: Vec<String> = holding
            .iter()
            .filter(|(_, parent, _)| *parent != 0)
            .map(|(_, parent, _)| parent.to_string())
            .collect();
        let mut parent_holds = BTreeMap::new();
        if !parents.is_empty() {
            let revids = parents.join("|");
            let answer = self
                .get(&[
                    ("action", "query"),
                    ("prop", "revisions"),
                    ("revids", &revids),
                    ("rvprop", "ids|content"),
                    ("rvslots", "main"),
                ])
                .await?;
            for page in answer["query"]["pages"].as_array().into_iter().flatten() {
                for r in page["revisions"].as_array().into_iter().flatten() {
                    if let Some(revid) = r["revid"].as_u64() {
                        parent_holds.insert(revid, content(r).contains(needle));
                    }
                }
            }
        }
        // A parent the answer left out (deleted, suppressed) cannot show the bot added it.
        Ok(holding
            .into_iter()
            .find(|(_, parent, _)| *parent == 0 || parent_holds.get(parent) == Some(&false))
            .map(|(revid, _, timestamp)| Revision { revid, timestamp }))
    }
}

/// How many of its own latest revisions of a page the bot looks through for a marker it added.
/// The bot edits a learner's talk page once per greeting, so this is many greetings' worth.
pub const MOST_OWN_REVISIONS: usize = 10;

fn content(revision: &Value) -> &str {
    revision["slots"]["main"]["content"].as_str().unwrap_or("")
}

pub(crate) fn read_talk_page(page: &Value, title: &str) -> Result<TalkPage, Error> {
    if page["invalid"].as_bool().unwrap_or(false) {
        return Err(Error::Api(crate::ApiError {
            code: "invalidtitle".into(),
            info: page["invalidreason"].as_str().unwrap_or("").to_owned(),
        }));
    }
    let exists = !page["missing"].as_bool().unwrap_or(false);
    Ok(TalkPage {
        title: page["title"].as_str().unwrap_or(title).to_owned(),
        exists,
        content_model: page["contentmodel"].as_str().map(str::to_owned),
        text: page["revisions"][0]["slots"]["main"]["content"]
            .as_str()
            .unwrap_or("")
            .to_owned(),
        revid: page["lastrevid"].as_u64().filter(|_| exists),
        templates: page["templates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["title"].as_str().map(str::to_owned))
            .collect(),
    })
}

fn first_page(answer: &Value) -> Option<&Value> {
    answer["query"]["pages"].as_array()?.first()
}
