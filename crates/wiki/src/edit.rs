use matchbot_model::Timestamp;

use crate::exclusion::Allowed;
use crate::{Client, Error};

/// A saved edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The new revision.
    pub revid: u64,
    /// The server's time of the edit.
    pub timestamp: Timestamp,
}

/// What saving a whole page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaced {
    /// A new revision.
    Saved(Saved),
    /// The page already had that text: the wiki made no revision.
    Unchanged,
}

impl Client {
    /// Saves `text` as the whole content of `title`, a page the bot owns (such as its report),
    /// as a bot edit through the same gate as every other edit. `base` is the revision the
    /// caller read (`None`: the page did not exist), so a change someone saved since is an
    /// `editconflict` error rather than lost. `allowed` is the page's `{{bots}}` verdict.
    pub async fn replace(
        &self,
        title: &str,
        text: &str,
        summary: &str,
        base: Option<u64>,
        allowed: &Allowed,
    ) -> Result<Replaced, Error> {
        allowed.covers(title)?;
        let base_revid = base.map(|b| b.to_string());
        let mut params = vec![
            ("action", "edit"),
            ("title", title),
            ("text", text),
            ("summary", summary),
            ("bot", "1"),
        ];
        match &base_revid {
            Some(revid) => params.push(("baserevid", revid)),
            None => params.push(("createonly", "1")),
        }
        let replaced = async {
            let answer = self.gated_edit(&params).await?;
            let edit = succeeded(title, &answer)?;
            if edit["nochange"].as_bool().unwrap_or(false) {
                return Ok(Replaced::Unchanged);
            }
            saved(title, edit).map(Replaced::Saved)
        };
        self.settle(title, replaced.await)
    }

    /// Appends `text` to the page `title` (creating it if missing), as a bot edit.
    ///
    /// `appendtext` never rewrites the page, so a concurrent edit cannot conflict and the old
    /// text is kept as it is (the original read and re-saved whole pages, its defect 26 in
    /// docs/ARCHITECTURE.md). The edit waits for the kill switch, the edit interval and the
    /// budget. `allowed` is the page's `{{bots}}` verdict.
    ///
    /// An answer that is neither a success nor an API error (a captcha, an abuse filter's
    /// `Failure`) is the wiki refusing this page: an [`Error::Api`] with its code. After an
    /// edit whose result is unknown, see [`Client::uncertain_write`].
    pub async fn append(
        &self,
        title: &str,
        text: &str,
        summary: &str,
        allowed: &Allowed,
    ) -> Result<Saved, Error> {
        allowed.covers(title)?;
        let appended = async {
            let answer = self
                .gated_edit(&[
                    ("action", "edit"),
                    ("title", title),
                    ("appendtext", text),
                    ("summary", summary),
                    ("bot", "1"),
                ])
                .await?;
            saved(title, succeeded(title, &answer)?)
        };
        self.settle(title, appended.await)
    }
}

/// The most of an answer an error quotes.
const QUOTED_CHARS: usize = 300;

/// The `edit` part of an answer whose result is `Success`.
fn succeeded<'a>(
    title: &str,
    answer: &'a serde_json::Value,
) -> Result<&'a serde_json::Value, Error> {
    let edit = &answer["edit"];
    let quoted = || {
        edit.to_string()
            .chars()
            .take(QUOTED_CHARS)
            .collect::<String>()
    };
    match edit["result"].as_str() {
        Some("Success") => Ok(edit),
        // An extension stopped the edit (ConfirmEdit's captcha, an abuse filter, the spam
        // blacklist) and said so in the edit's answer rather than as an API error: nothing
        // was saved, and sending it again would meet the same refusal.
        Some(_) => {
            let code = match (edit["code"].as_str(), edit.get("captcha")) {
                (Some(code), _) => code.to_owned(),
                (None, Some(_)) => "captcha".to_owned(),
                (None, None) => "edit-failure".to_owned(),
            };
            let info = match edit["info"].as_str() {
                Some(info) => info.chars().take(QUOTED_CHARS).collect(),
                None => format!("the wiki did not save the edit of {title}: {}", quoted()),
            };
            Err(Error::Api(crate::ApiError { code, info }))
        }
        None => Err(Error::Decode(format!(
            "the answer to the edit of {title} says neither success nor failure: {}",
            short(answer)
        ))),
    }
}

fn short(answer: &serde_json::Value) -> String {
    answer.to_string().chars().take(QUOTED_CHARS).collect()
}

/// The revision an edit answer reports.
fn saved(title: &str, edit: &serde_json::Value) -> Result<Saved, Error> {
    let revid = edit["newrevid"]
        .as_u64()
        .ok_or_else(|| Error::Decode(format!("the edit of {title} made no new revision")))?;
    let timestamp = edit["newtimestamp"]
        .as_str()
        .and_then(|t| Timestamp::parse(t).ok())
        .unwrap_or_else(Timestamp::now);
    Ok(Saved { revid, timestamp })
}
