use std::collections::{BTreeMap, BTreeSet};

use matchbot_model::{AccountFacts, Timestamp};
use serde_json::Value;

use crate::query::TITLES_PER_REQUEST;
use crate::{Client, Error};

impl Client {
    /// Of the accounts `names`, those blocked from editing the whole wiki: one request per 50
    /// names. A partial block (some pages or namespaces) does not count: such a mentor can
    /// still answer on a learner's talk page.
    pub async fn blocked(&self, names: &[String]) -> Result<BTreeSet<String>, Error> {
        Ok(self
            .accounts(names)
            .await?
            .into_iter()
            .filter(|(_, facts)| facts.blocked)
            .map(|(name, _)| name)
            .collect())
    }

    /// What the wiki says of each of the accounts `names` that exists, by name as the wiki
    /// spells it: blocked sitewide (a partial block is not a block), registered when, how many
    /// edits. One request per 50 names, the same for blocks alone or all three.
    pub async fn accounts(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, AccountFacts>, Error> {
        let mut accounts = BTreeMap::new();
        for batch in names.chunks(TITLES_PER_REQUEST) {
            let joined = batch.join("|");
            let answer = self
                .get(&[
                    ("action", "query"),
                    ("list", "users"),
                    ("ususers", &joined),
                    ("usprop", "blockinfo|editcount|registration"),
                ])
                .await?;
            accounts.extend(read_accounts(&answer));
        }
        Ok(accounts)
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

/// The accounts a `list=users` answer (`usprop=blockinfo|editcount|registration`) describes,
/// by name: an account the wiki does not have (`missing`) or a name no account can have
/// (`invalid`) is left out.
fn read_accounts(answer: &Value) -> BTreeMap<String, AccountFacts> {
    let mut accounts = BTreeMap::new();
    for user in answer["query"]["users"].as_array().into_iter().flatten() {
        let Some(name) = user["name"].as_str() else {
            continue;
        };
        if user.get("missing").is_some() || user.get("invalid").is_some() {
            continue;
        }
        let blocked =
            user.get("blockid").is_some() && !user["blockpartial"].as_bool().unwrap_or(false);
        // MediaWiki gives no registration (null, or "") for accounts older than its
        // record of registrations.
        let registered = user["registration"]
            .as_str()
            .and_then(|t| Timestamp::parse(t).ok());
        let facts = AccountFacts {
            blocked,
            registered,
            edits: user["editcount"].as_u64().unwrap_or(0),
        };
        accounts.insert(name.to_owned(), facts);
    }
    accounts
}

#[cfg(test)]
mod tests;
