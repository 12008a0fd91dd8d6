//! Who created each profile page, remembered: a page's creator never changes, so each profile
//! costs at most one API request in its lifetime, not one per scan. Only profiles are looked up
//! (a page outside `pages.main` has no learner or mentor to find). Both memories are bounded:
//! [`CREATORS_IN_MEMORY`] here, about [`CREATORS_IN_REDIS`] in Redis (shared by scanner restarts);
//! past its bound each starts again, at the cost of one lookup per profile seen again.

use std::collections::{BTreeMap, HashMap};

use matchbot_bus::Bus;
use matchbot_config::Config;
use matchbot_model::User;
use matchbot_wiki::{Client, PageCategories};

use crate::error::ScanError;

/// The Redis hash (under the prefix) of page id → creator, shared by scanner restarts.
const KEY: &str = "creators";

/// At most this many pages of unknown creator are read one by one, categories and creator
/// together; more are read 50 to a request, and only the profiles' creators looked up.
const FEW_UNKNOWN: usize = 5;

/// The most creators kept in memory; past it the memory starts again from Redis.
pub const CREATORS_IN_MEMORY: usize = 10_000;
/// The most creators kept in Redis; past it the hash starts again empty (each profile then
/// costs one lookup more).
pub const CREATORS_IN_REDIS: u64 = 200_000;
/// How many creators are remembered between two looks at the size of the Redis hash.
const LOOK_AT_SIZE_EVERY: u64 = 1_000;

pub(crate) struct Creators {
    known: HashMap<u64, User>,
    /// Creators remembered by this process, to look at the hash's size now and then.
    remembered: u64,
    in_redis: u64,
}

impl Creators {
    pub(crate) fn new() -> Creators {
        Creators::bounded(CREATORS_IN_REDIS)
    }

    fn bounded(in_redis: u64) -> Creators {
        Creators {
            known: HashMap::new(),
            remembered: 0,
            in_redis,
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
        if self
            .remembered
            .is_multiple_of(LOOK_AT_SIZE_EVERY.min(self.in_redis.max(1)))
            && bus.field_count(KEY).await? >= self.in_redis
        {
            tracing::info!(
                at_most = self.in_redis,
                "the creators remembered in Redis reached their bound: starting again"
            );
            bus.forget(KEY).await?;
        }
        self.remembered += 1;
        let json = serde_json::to_string(user).map_err(ScanError::Encode)?;
        bus.set_field(KEY, &pageid.to_string(), &json).await?;
        self.keep(pageid, user);
        Ok(())
    }

    /// The pages `pageids` with their links to `categories`, and for each profile among them
    /// its creator.
    ///
    /// A few new pages (the usual case: learners tagging their profiles) are read one request
    /// each, categories and creator together. Many pages of unknown creator (a template edit)
    /// are read 50 to a request first, and only the profiles among them cost a creator lookup.
    pub(crate) async fn read_pages(
        &mut self,
        wiki: &Client,
        bus: &Bus,
        config: &Config,
        pageids: &[u64],
        categories: &[String],
    ) -> Result<BTreeMap<u64, PageCategories>, ScanError> {
        let pageids = pageids.to_vec();
        // A poll of a few new pages (the usual case: learners tagging their profiles) reads
        // each one's categories and creator in one request, as cheap as it gets. Many unknown
        // pages (a template edit) are read 50 to a request first, and only the profiles among
        // them cost a creator lookup.
        let known = self.cached(bus, &pageids).await?;
        let unknown: Vec<u64> = pageids
            .iter()
            .copied()
            .filter(|id| !known.contains_key(id))
            .collect();
        let (batched, one_by_one) = if unknown.len() <= FEW_UNKNOWN {
            let batched: Vec<u64> = pageids
                .iter()
                .copied()
                .filter(|id| known.contains_key(id))
                .collect();
            (batched, unknown)
        } else {
            (pageids, Vec::new())
        };
        let mut pages: BTreeMap<u64, PageCategories> = wiki
            .page_categories(&batched, categories)
            .await?
            .into_iter()
            .map(|p| (p.pageid, p))
            .collect();
        for pageid in one_by_one {
            let Some(page) = wiki.page_categories_and_creator(pageid, categories).await? else {
                continue;
            };
            if let Some(creator) = &page.creator
                && config.pages.is_profile(&page.title)
            {
                self.remember(bus, pageid, creator).await?;
            }
            pages.insert(pageid, page);
        }
        let profiles: Vec<u64> = pages
            .values()
            .filter(|p| p.creator.is_none() && config.pages.is_profile(&p.title))
            .map(|p| p.pageid)
            .collect();
        let creators = self.of_profiles(wiki, bus, &profiles).await?;
        for (pageid, creator) in creators {
            if let Some(page) = pages.get_mut(&pageid) {
                page.creator = Some(creator);
            }
        }
        Ok(pages)
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

    #[tokio::test]
    async fn the_creators_kept_in_redis_never_exceed_the_bound() {
        let prefix = format!("matchbot-test:creators-{}:", std::process::id());
        let redelivery = matchbot_bus::Redelivery {
            claim_idle: std::time::Duration::from_secs(300),
            max_deliveries: 5,
        };
        let signing = matchbot_bus::Signing::new(
            matchbot_secret::Secret::new("the creators test's signing key, long enough"),
            [],
        );
        let bus = Bus::connect(
            "redis://127.0.0.1:6379/",
            &prefix,
            signing,
            redelivery,
            std::time::Duration::from_secs(3600),
        )
        .await
        .expect("Redis runs on 127.0.0.1:6379");
        let mut creators = Creators::bounded(5);
        for pageid in 0..23 {
            let user = User {
                name: format!("U{pageid}"),
                id: pageid,
            };
            creators
                .remember(&bus, pageid, &user)
                .await
                .expect("remember");
            let stored = bus.field_count(KEY).await.expect("count");
            assert!(stored <= 5, "{stored} creators in Redis");
            let mut fresh = Creators::bounded(5);
            let found = fresh.cached(&bus, &[pageid]).await.expect("read");
            assert_eq!(found.get(&pageid), Some(&user), "the newest is in Redis");
        }
        bus.forget(KEY).await.expect("clean up");
    }

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
