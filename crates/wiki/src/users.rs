use std::collections::BTreeSet;

use matchbot_model::Timestamp;

use crate::query::TITLES_PER_REQUEST;
use crate::{Client, Error};

impl Client {
    /// Of the accounts `names`, those blocked from editing the whole wiki: one request per 50
    /// names. A partial block (some pages or namespaces) does not count: such a mentor can
    /// still answer on a learner's talk page.
    pub async fn blocked(&self, names: &[String]) -> Result<BTreeSet<String>, Error> {
        let mut blocked = BTreeSet::new();
        for batch in names.chunks(TITLES_PER_REQUEST) {
            let joined = batch.join("|");
            let answer = self
                .get(&[
                    ("action", "query"),
                    ("list", "users"),
                    ("ususers", &joined),
                    ("usprop", "blockinfo"),
                ])
                .await?;
            for user in answer["query"]["users"].as_array().into_iter().flatten() {
                let sitewide = user.get("blockid").is_some()
                    && !user["blockpartial"].as_bool().unwrap_or(false);
                if sitewide && let Some(name) = user["name"].as_str() {
                    blocked.insert(name.to_owned());
                }
            }
        }
        Ok(blocked)
    }

    /// When `name` last edited (visible edits only); `None` for an account without any.
    /// One request: MediaWiki has no batch form of this.
    pub async fn last_edit(&self, name: &str) -> Result<Option<Timestamp>, Error> {
        let answer = self
            .get(&[
                ("action", "query"),
                ("list", "usercontribs"),
                ("ucuser", name),
                ("uclimit", "1"),
                ("ucprop", "timestamp"),
            ])
            .await?;
        match answer["query"]["usercontribs"][0]["timestamp"].as_str() {
            None => Ok(None),
            Some(t) => Timestamp::parse(t)
                .map(Some)
                .map_err(|e| Error::Decode(format!("list=usercontribs: {e}"))),
        }
    }
}
