//! A page the bot takes settings from: its current revision, who saved it, and who may edit it.

use matchbot_model::Timestamp;
use serde_json::Value;

use crate::{Client, Error};

/// The current revision of a page, and what protects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentRevision {
    /// The page, as the wiki names it.
    pub title: String,
    /// The revision id.
    pub revision: u64,
    /// Who saved it (empty when the wiki hides it).
    pub user: String,
    /// When.
    pub saved_at: Timestamp,
    /// Its content model (`json`, `wikitext`, …).
    pub content_model: String,
    /// Its text.
    pub text: String,
    /// The groups an editor needs beyond a plain account, from the page's edit protection
    /// (`sysop`, `editprotected`, …); empty when anyone may edit it.
    pub edit_protection: Vec<String>,
}

impl Client {
    /// The current revision of `title`, with its edit protection, in one request; `None` when
    /// the page does not exist.
    pub async fn current_revision(&self, title: &str) -> Result<Option<CurrentRevision>, Error> {
        let answer = self
            .get(&[
                ("action", "query"),
                ("prop", "info|revisions"),
                ("inprop", "protection"),
                ("titles", title),
                ("rvprop", "ids|user|timestamp|content"),
                ("rvslots", "main"),
            ])
            .await?;
        let Some(page) = answer["query"]["pages"].as_array().and_then(|p| p.first()) else {
            return Err(Error::Decode(format!("no page in the answer for {title}")));
        };
        if page["missing"].as_bool() == Some(true) || page["invalid"].as_bool() == Some(true) {
            return Ok(None);
        }
        read(page, title).map(Some)
    }
}

fn read(page: &Value, title: &str) -> Result<CurrentRevision, Error> {
    let bad = |what: &str| Error::Decode(format!("{title}: {what}"));
    let revision = &page["revisions"][0];
    let slot = &revision["slots"]["main"];
    let edit_protection = page["protection"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["type"].as_str() == Some("edit"))
        .filter_map(|p| p["level"].as_str().map(str::to_owned))
        .collect();
    Ok(CurrentRevision {
        title: page["title"].as_str().unwrap_or(title).to_owned(),
        revision: revision["revid"]
            .as_u64()
            .ok_or_else(|| bad("no revision id"))?,
        user: revision["user"].as_str().unwrap_or_default().to_owned(),
        saved_at: revision["timestamp"]
            .as_str()
            .and_then(|t| Timestamp::parse(t).ok())
            .ok_or_else(|| bad("no revision timestamp"))?,
        content_model: slot["contentmodel"]
            .as_str()
            .or(page["contentmodel"].as_str())
            .unwrap_or_default()
            .to_owned(),
        text: slot["content"]
            .as_str()
            .ok_or_else(|| bad("no revision content"))?
            .to_owned(),
        edit_protection,
    })
}
