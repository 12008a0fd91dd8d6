//! Who created each profile page, remembered: a page's creator never changes, so each page costs
//! one API request in its lifetime, not one per scan.

use std::collections::HashMap;

use matchbot_bus::Bus;
use matchbot_config::User;
use matchbot_wiki::Client;
use redis::AsyncCommands;

use crate::ScanError;

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

    /// The creator of page `pageid`, or `None` if the page is gone or its creator hidden.
    pub(crate) async fn get(
        &mut self,
        wiki: &Client,
        bus: &Bus,
        pageid: u64,
    ) -> Result<Option<User>, ScanError> {
        if let Some(user) = self.known.get(&pageid) {
            return Ok(Some(user.clone()));
        }
        let mut conn = bus.connection();
        let cached: Option<String> = conn.hget(bus.key(KEY), pageid).await?;
        if let Some(user) = cached.and_then(|json| serde_json::from_str::<User>(&json).ok()) {
            self.known.insert(pageid, user.clone());
            return Ok(Some(user));
        }
        let Some(creator) = wiki.page_creator(pageid).await? else {
            return Ok(None);
        };
        let json = serde_json::to_string(&creator.user).map_err(ScanError::Encode)?;
        let () = conn.hset(bus.key(KEY), pageid, json).await?;
        self.known.insert(pageid, creator.user.clone());
        Ok(Some(creator.user))
    }
}
