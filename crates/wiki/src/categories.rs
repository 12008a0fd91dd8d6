use matchbot_model::{Timestamp, User};
use serde::Deserialize;
use serde_json::Value;

use crate::query::{TITLES_PER_REQUEST, continuation};
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
    /// The human-readable part of the page's sort key in the category (`[[Category:X|this]]`),
    /// empty when none was given.
    #[serde(default)]
    pub sortkeyprefix: String,
}

/// A page and the categories it is in now, of those asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCategories {
    /// The page id.
    pub pageid: u64,
    /// The full title.
    pub title: String,
    /// Each category the page is in.
    pub categories: Vec<Membership>,
    /// The author of the page's first revision, when asked for.
    pub creator: Option<User>,
}

/// A page's link to one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The category's full title.
    pub category: String,
    /// When the page was added to it (`cl_timestamp`).
    pub added: Timestamp,
    /// The human-readable part of the sort key, empty when none was given.
    pub sortkey_prefix: String,
}

impl PageCategories {
    /// The page's link to `category`, if it is in it.
    pub fn membership(&self, category: &str) -> Option<&Membership> {
        self.categories.iter().find(|m| m.category == category)
    }

    /// When the page was added to `category`, if it is in it.
    pub fn added_to(&self, category: &str) -> Option<Timestamp> {
        self.membership(category).map(|m| m.added)
    }
}

/// The members of a category, and the wiki's clock when it answered.
#[derive(Debug, Clone)]
pub struct CategoryMembers {
    /// Newest first.
    pub members: Vec<CategoryMember>,
    /// The server's time at the first request (`curtimestamp`): a cursor taken from the wiki's
    /// clock, not ours (the original used the bot host's clock: its defect 4 in
    /// docs/ARCHITECTURE.md).
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
                ("cmprop", "ids|title|timestamp|sortkeyprefix"),
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

impl Client {
    /// Which of `categories` each page of `pageids` is in now, with the time each was added:
    /// one request per 50 pages. Pages that no longer exist are left out.
    pub async fn page_categories(
        &self,
        pageids: &[u64],
        categories: &[String],
    ) -> Result<Vec<PageCategories>, Error> {
        let mut found = Vec::new();
        for batch in pageids.chunks(TITLES_PER_REQUEST) {
            found.extend(self.categories_of(batch, categories, false).await?);
        }
        Ok(found)
    }

    /// [`Client::page_categories`] of one page, and its creator, in the same request.
    pub async fn page_categories_and_creator(
        &self,
        pageid: u64,
        categories: &[String],
    ) -> Result<Option<PageCategories>, Error> {
        Ok(self
            .categories_of(&[pageid], categories, true)
            .await?
            .into_iter()
            .next())
    }

    async fn categories_of(
        &self,
        pageids: &[u64],
        categories: &[String],
        with_creator: bool,
    ) -> Result<Vec<PageCategories>, Error> {
        let ids = pageids
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("|");
        let mut pages: Vec<PageCategories> = Vec::new();
        // `clcategories` takes at most 50 titles too.
        for wanted in categories.chunks(TITLES_PER_REQUEST) {
            let wanted = wanted.join("|");
            let mut next: Option<(String, String)> = None;
            loop {
                let mut params = vec![
                    ("action", "query"),
                    ("pageids", ids.as_str()),
                    ("clcategories", &wanted),
                    ("clprop", "timestamp|sortkey"),
                    ("cllimit", "max"),
                ];
                if with_creator {
                    // One page only: the first revision's author, in the same answer.
                    params.extend([
                        ("prop", "categories|revisions"),
                        ("rvprop", "user|userid"),
                        ("rvdir", "newer"),
                        ("rvlimit", "1"),
                    ]);
                } else {
                    params.push(("prop", "categories"));
                }
                if let Some((cont, clcont)) = &next {
                    params.push(("continue", cont));
                    params.push(("clcontinue", clcont));
                }
                let answer = self.get(&params).await?;
                for page in answer["query"]["pages"].as_array().into_iter().flatten() {
                    merge_page(&mut pages, page)?;
                }
                next = continuation(&answer, "clcontinue");
                if next.is_none() {
                    break;
                }
            }
        }
        Ok(pages)
    }
}

/// Adds one page of an answer to `pages` (a page comes back once per continuation).
fn merge_page(pages: &mut Vec<PageCategories>, page: &Value) -> Result<(), Error> {
    if page["missing"].as_bool().unwrap_or(false) {
        return Ok(());
    }
    let (Some(pageid), Some(title)) = (page["pageid"].as_u64(), page["title"].as_str()) else {
        return Err(Error::Decode(format!("a page without id or title: {page}")));
    };
    let index = match pages.iter().position(|p| p.pageid == pageid) {
        Some(i) => i,
        None => {
            pages.push(PageCategories {
                pageid,
                title: title.to_owned(),
                categories: Vec::new(),
                creator: None,
            });
            pages.len() - 1
        }
    };
    let entry = &mut pages[index];
    for category in page["categories"].as_array().into_iter().flatten() {
        let name = category["title"].as_str();
        let added = category["timestamp"]
            .as_str()
            .and_then(|t| Timestamp::parse(t).ok());
        match (name, added) {
            (Some(name), Some(added)) => {
                if entry.membership(name).is_none() {
                    entry.categories.push(Membership {
                        category: name.to_owned(),
                        added,
                        sortkey_prefix: category["sortkeyprefix"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    });
                }
            }
            _ => {
                return Err(Error::Decode(format!(
                    "prop=categories: a category without title or timestamp on {title}"
                )));
            }
        }
    }
    let first = &page["revisions"][0];
    if let (Some(name), Some(id)) = (first["user"].as_str(), first["userid"].as_u64()) {
        entry.creator = Some(User {
            name: name.to_owned(),
            id,
        });
    }
    Ok(())
}
