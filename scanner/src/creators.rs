//! Who created each profile page, remembered: a page's creator never changes, so each page costs
//! at most one API request in its lifetime, not one per scan, and often none (the scanner asks
//! for the creator in the same request that confirms a category change).

use std::collections::HashMap;

use matchbot_bus::Bus;
use matchbot_model::User;
use matchbot_wiki::Client;

use crate::error::ScanError;

/// The Redis hash (under the prefix) of page id → creator, shared by scanner restarts.
const KEY: &str = "creators";

pub(crate) struct Creators {
    known: HashMap<u64, User>,
}

impl Creators {
    pub(crate) fn new() -> Creators {
        Creators {
            known: HashMap::new(),
        }
    }

    /// The creator of page `pageid` if it is known here or in Redis; asks the wiki nothing.
    pub(crate) async fn cached(
        &mut self,
        bus: &Bus,
        pageid: u64,
    ) -> Result<Option<User>, ScanError> {
        if let Some(user) = self.known.get(&pageid) {
            return Ok(Some(user.clone()));
        }
        let cached = bus.field(KEY, &pageid.to_string()).await?;
        let user = cached.and_then(|json| serde_json::from_str::<User>(&json).ok());
        if let Some(user) = &user {
            self.known.insert(pageid, user.clone());
        }
        Ok(user)
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
        self.known.insert(pageid, user.clone());
        Ok(())
    }

    /// The creator of page `pageid`, or `None` if the page is gone or its creator hidden.
    pub(crate) async fn get(
        &mut self,
        wiki: &Client,
        bus: &Bus,
        pageid: u64,
    ) -> Result<Option<User>, ScanError> {
        if let Some(user) = self.cached(bus, pageid).await? {
            return Ok(Some(user));
        }
        let Some(creator) = wiki.page_creator(pageid).await? else {
            return Ok(None);
        };
        self.remember(bus, pageid, &creator.user).await?;
        Ok(Some(creator.user))
    }
}
