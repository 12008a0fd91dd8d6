use matchbot_config::Timestamp;

use crate::{Client, Error};

/// A saved edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The new revision.
    pub revid: u64,
    /// The server's time of the edit.
    pub timestamp: Timestamp,
}

impl Client {
    /// Appends `text` to the page `title` (creating it if missing), as a bot edit.
    ///
    /// `appendtext` never rewrites the page, so a concurrent edit cannot conflict and the old
    /// text is kept as it is (the original read and re-saved whole pages, defect 26). The edit
    /// waits for the kill switch, the edit interval and the budget.
    pub async fn append(&self, title: &str, text: &str, summary: &str) -> Result<Saved, Error> {
        let answer = self
            .gated_edit(&[
                ("action", "edit"),
                ("title", title),
                ("appendtext", text),
                ("summary", summary),
                ("bot", "1"),
            ])
            .await?;
        let edit = &answer["edit"];
        if edit["result"].as_str() != Some("Success") {
            return Err(Error::Decode(format!(
                "the edit of {title} did not succeed: {edit}"
            )));
        }
        let revid = edit["newrevid"]
            .as_u64()
            .ok_or_else(|| Error::Decode(format!("the edit of {title} made no new revision")))?;
        let timestamp = edit["newtimestamp"]
            .as_str()
            .and_then(|t| Timestamp::parse(t).ok())
            .unwrap_or_else(Timestamp::now);
        Ok(Saved { revid, timestamp })
    }
}
