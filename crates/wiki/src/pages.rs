use matchbot_config::{Timestamp, User};
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
    /// the listing and now: one bad page must not stop a run, defect 7).
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

    /// A talk page as [`Client::talk_page`] reads it and, in the same request, when `category`
    /// was added to `profile` (`None`: the profile is not in it now). The notifier asks this
    /// right before greeting, so a request withdrawn in the meantime costs no extra request.
    pub async fn talk_page_and_request(
        &self,
        title: &str,
        profile: &str,
        category: &str,
    ) -> Result<(TalkPage, Option<Timestamp>), Error> {
        let both = format!("{title}|{profile}");
        let answer = self
            .get(&[
                ("action", "query"),
                ("prop", "info|revisions|categories"),
                ("titles", &both),
                ("rvprop", "content"),
                ("rvslots", "main"),
                ("clcategories", category),
                ("clprop", "timestamp"),
            ])
            .await?;
        let page_of = |wanted: &str| {
            let wanted = normalized(&answer, wanted);
            answer["query"]["pages"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["title"].as_str() == Some(wanted.as_str()))
        };
        let talk = page_of(title)
            .ok_or_else(|| Error::Decode(format!("no page in the answer for {title}")))?;
        let talk = read_talk_page(talk, title)?;
        let added = page_of(profile)
            .and_then(|p| p["categories"].as_array())
            .into_iter()
            .flatten()
            .filter(|c| c["title"].as_str() == Some(normalized(&answer, category).as_str()))
            .find_map(|c| {
                c["timestamp"]
                    .as_str()
                    .and_then(|t| Timestamp::parse(t).ok())
            });
        Ok((talk, added))
    }

    /// The oldest revision by `user` on `title` whose text contains `needle`: the edit that
    /// added it. Used to recover the revision id of a greeting posted before a crash.
    pub async fn revision_adding(
        &self,
        title: &str,
        user: &str,
        needle: &str,
    ) -> Result<Option<Revision>, Error> {
        let mut next: Option<(String, String)> = None;
        loop {
            let mut params = vec![
                ("action", "query"),
                ("prop", "revisions"),
                ("titles", title),
                ("rvuser", user),
                ("rvprop", "ids|timestamp|content"),
                ("rvslots", "main"),
                ("rvdir", "newer"),
                ("rvlimit", "20"),
            ];
            if let Some((cont, rvcont)) = &next {
                params.push(("continue", cont));
                params.push(("rvcontinue", rvcont));
            }
            let answer = self.get(&params).await?;
            let revisions = first_page(&answer)
                .and_then(|p| p["revisions"].as_array().cloned())
                .unwrap_or_default();
            for r in revisions {
                let text = r["slots"]["main"]["content"].as_str().unwrap_or("");
                if text.contains(needle) {
                    let revid = r["revid"].as_u64();
                    let timestamp = r["timestamp"]
                        .as_str()
                        .and_then(|t| Timestamp::parse(t).ok());
                    if let (Some(revid), Some(timestamp)) = (revid, timestamp) {
                        return Ok(Some(Revision { revid, timestamp }));
                    }
                }
            }
            let block = answer.get("continue");
            next = block.and_then(|b| {
                Some((
                    b["continue"].as_str()?.to_owned(),
                    b["rvcontinue"].as_str()?.to_owned(),
                ))
            });
            if next.is_none() {
                return Ok(None);
            }
        }
    }
}

fn read_talk_page(page: &Value, title: &str) -> Result<TalkPage, Error> {
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
    })
}

/// `title` as the wiki spells it, after the answer's `normalized` list.
fn normalized(answer: &Value, title: &str) -> String {
    answer["query"]["normalized"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["from"].as_str() == Some(title))
        .and_then(|n| n["to"].as_str())
        .unwrap_or(title)
        .to_owned()
}

fn first_page(answer: &Value) -> Option<&Value> {
    answer["query"]["pages"].as_array()?.first()
}
