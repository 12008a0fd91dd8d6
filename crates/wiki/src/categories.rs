use matchbot_config::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::{Client, Error};

/// A page in a category.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CategoryMember {
    /// The page id.
    pub pageid: u64,
    /// The namespace number.
    pub ns: i64,
    /// The full title.
    pub title: String,
    /// When the page was added to the category (the category link's `cl_timestamp`).
    pub timestamp: Timestamp,
}

/// The members of a category, and the wiki's clock when it answered.
#[derive(Debug, Clone)]
pub struct CategoryMembers {
    /// Newest first.
    pub members: Vec<CategoryMember>,
    /// The server's time at the first request (`curtimestamp`): a cursor taken from the wiki's
    /// clock, not ours (the original used the bot host's clock, defect 4).
    pub server_time: Timestamp,
}

impl Client {
    /// The pages in `category`, newest addition first; with `since`, only those added at or
    /// after it. Continuation is followed to the end.
    pub async fn category_members(
        &self,
        category: &str,
        since: Option<Timestamp>,
    ) -> Result<CategoryMembers, Error> {
        let since = since.map(|t| t.to_string());
        let mut members = Vec::new();
        let mut server_time = None;
        let mut next: Option<(String, String)> = None;
        loop {
            let mut params = vec![
                ("action", "query"),
                ("list", "categorymembers"),
                ("cmtitle", category),
                ("cmprop", "ids|title|timestamp"),
                ("cmtype", "page"),
                ("cmlimit", "max"),
                ("cmsort", "timestamp"),
                ("cmdir", "older"),
                ("curtimestamp", "1"),
            ];
            if let Some(since) = &since {
                params.push(("cmend", since));
            }
            if let Some((cont, cmcont)) = &next {
                params.push(("continue", cont));
                params.push(("cmcontinue", cmcont));
            }
            let answer = self.get(&params).await?;
            if server_time.is_none() {
                server_time = answer["curtimestamp"]
                    .as_str()
                    .and_then(|t| Timestamp::parse(t).ok());
            }
            let page: Vec<CategoryMember> =
                serde_json::from_value(answer["query"]["categorymembers"].clone())
                    .map_err(|e| Error::Decode(format!("list=categorymembers: {e}")))?;
            members.extend(page);
            next = continuation(&answer, "cmcontinue");
            if next.is_none() {
                break;
            }
        }
        Ok(CategoryMembers {
            members,
            server_time: server_time
                .ok_or_else(|| Error::Decode("no curtimestamp in the answer".into()))?,
        })
    }
}

/// The `continue` block of an answer, if there is more to read.
fn continuation(answer: &Value, key: &str) -> Option<(String, String)> {
    let block = answer.get("continue")?;
    Some((
        block["continue"].as_str()?.to_owned(),
        block[key].as_str()?.to_owned(),
    ))
}
