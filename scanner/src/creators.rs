//! Who created each profile page, remembered: a page's creator never changes, so each profile
//! costs at most one API request in its lifetime, not one per scan. Only profiles are looked up
//! (a page outside `pages.main` has no learner or mentor to find), and what is remembered here
//! in memory is bounded; Redis holds the rest for scanner restarts.

use std::collections::{BTreeMap, HashMap};

use matchbot_bus::Bus;
use matchbot_model::User;
use matchbot_wiki::Client;

use crate::error::ScanError;

/// The Redis hash (under the prefix) of page id → creator, shared by scanner restarts.
const KEY: &str = "creators";

/// The most creators kept in memory; past it the memory starts again from Redis.
pub const CREATORS_IN_MEMORY: usize = 10_000;

pub(crate) struct Creators {
    known: HashMap<u64, User>,
}

impl Creators {
    pub(crate) fn new() -> Creators {
        Creators {
            known: HashMap::new(),
        }
    }

    fn keep(&mut self, pageid: u64, user: &User) {
        if self.known.len() >= CREATORS_IN_MEMORY && !self.known.contains_key(&pageid) {
            self.known.clear();
        }
        self.known.insert(pageid, user.clone());
    }

    /// The creators of `pageids` known here or in Redis (one round trip for those not known
    /// here); asks the wiki nothing.
    pub(crate) async fn cached(
        &mut self,
        bus: &Bus,
        pageids: &[u64],
    ) -> Result<BTreeMap<u64, User>, ScanError> {
        let mut found = BTreeMap::new();
        let mut ask = Vec::new();
        for pageid in pageids {
            match self.known.get(pageid) {
                Some(user) => {
                    found.insert(*pageid, user.clone());
                }
                None => ask.push(*pageid),
            }
        }
        let fields: Vec<String> = ask.iter().map(u64::to_string).collect();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let stored = bus.fields(KEY, &fields).await?;
        for (pageid, json) in ask.into_iter().zip(stored) {
            // Written here; an entry that does not read is looked up again.
            if let Some(user) = json.and_then(|j| serde_json::from_str::<User>(&j).ok()) {
                self.keep(pageid, &user);
                found.insert(pageid, user);
            }
        }
        Ok(found)
    }

    /// Remembers that `user` created page `pageid`.
    pub(crate) async fn remember(
        &mut self,
        bus: &Bus,
        pageid: u64,
        user: &User,
    ) -> Result<(), ScanError> {
        if self.known.get(&pageid) == Some(user) {
            return Ok(());
        }
        let json = serde_json::to_string(user).map_err(ScanError::Encode)?;
        bus.set_field(KEY, &pageid.to_string(), &json).await?;
        self.keep(pageid, user);
        Ok(())
    }

    /// The creators of the profiles `pageids`, those remembered and the others asked of the
    /// wiki one by one (MediaWiki gives a page's first revision for one page per request);
    /// a page gone or whose creator is hidden is left out.
    pub(crate) async fn of_profiles(
        &mut self,
        wiki: &Client,
        bus: &Bus,
        pageids: &[u64],
    ) -> Result<BTreeMap<u64, User>, ScanError> {
        let mut found = self.cached(bus, pageids).await?;
        for pageid in pageids {
            if found.contains_key(pageid) {
                continue;
            }
            if let Some(creator) = wiki.page_creator(*pageid).await? {
                self.remember(bus, *pageid, &creator.user).await?;
                found.insert(*pageid, creator.user);
            }
        }
        Ok(found)
    }

    /// The creator of page `pageid`, or `None` if the page is gone or its creator hidden.
    pub(crate) async fn get(
        &mut self,
        wiki: &Client,
        bus: &Bus,
        pageid: u64,
    ) -> Result<Option<User>, ScanError> {
        Ok(self
            .of_profiles(wiki, bus, &[pageid])
            .await?
            .remove(&pageid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_creators_kept_in_memory_never_exceed_the_bound() {
        let mut creators = Creators::new();
        for pageid in 0..(3 * CREATORS_IN_MEMORY as u64 + 7) {
            let user = User {
                name: format!("U{pageid}"),
                id: pageid,
            };
            creators.keep(pageid, &user);
            assert!(creators.known.len() <= CREATORS_IN_MEMORY);
            assert_eq!(
                creators.known.get(&pageid),
                Some(&user),
                "the newest is kept"
            );
        }
    }
}
