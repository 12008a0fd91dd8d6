//! Reading the talk pages a batch of decisions is about, with their profiles' request
//! categories (and the do-not-contact list), in as few API requests as the API allows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use matchbot_model::Timestamp;
use serde_json::Value;

use crate::do_not_contact::DoNotContact;
use crate::pages::{TalkPage, read_talk_page};
use crate::query::TITLES_PER_REQUEST;
use crate::{Client, Error};

/// One check as read: its talk page and request, and the list read with it, if asked for.
pub type ReadCheck = (Result<TalkPageAndRequest, Error>, Option<Arc<DoNotContact>>);

impl Client {
    /// The do-not-contact list on `page` (a missing page lists nobody), read on its own: the
    /// scanner's, when it builds the mentor pool.
    pub async fn do_not_contact(&self, page: &str) -> Result<DoNotContact, Error> {
        let page = self.talk_page(page).await?;
        Ok(DoNotContact::parse(&page.text))
    }

    /// For each check, the talk page as [`Client::talk_page`] reads it and when the request's
    /// category was added to the profile (`None`: the profile is not in it now). The notifier
    /// reads these right before greeting, so a request withdrawn meanwhile costs nothing
    /// extra; and it reads them for up to 25 learners (50 titles, the API's limit) in one
    /// request.
    ///
    /// With `templates` (titles such as `Template:Retired`), the same request says which of
    /// them each talk page uses ([`TalkPage::templates`]); with `list_page`, each check comes
    /// with the do-not-contact list on that page as it was read in the same request (one
    /// title more, no request more; a missing page lists nobody).
    ///
    /// The outer error is the wiki failing as a whole; an inner one is about that check's page
    /// (an invalid title, say).
    pub async fn talk_pages_and_requests(
        &self,
        checks: &[RequestCheck<'_>],
        templates: &[String],
        list_page: Option<&str>,
    ) -> Result<Vec<ReadCheck>, Error> {
        let asked = templates.join("|");
        let mut read = Vec::with_capacity(checks.len());
        let per_request = (TITLES_PER_REQUEST - usize::from(list_page.is_some())) / 2;
        for chunk in checks.chunks(per_request) {
            let titles: BTreeSet<&str> = chunk
                .iter()
                .flat_map(|c| [c.talk_page, c.profile])
                .chain(list_page)
                .collect();
            let categories: BTreeSet<&str> = chunk.iter().map(|c| c.category).collect();
            let titles = titles.into_iter().collect::<Vec<_>>().join("|");
            let categories = categories.into_iter().collect::<Vec<_>>().join("|");
            let mut params = vec![
                ("prop", "info|revisions|categories"),
                ("titles", &titles),
                ("rvprop", "content"),
                ("rvslots", "main"),
                ("clcategories", &categories),
                ("clprop", "timestamp"),
                ("cllimit", "max"),
            ];
            if !templates.is_empty() {
                params[0].1 = "info|revisions|categories|templates";
                params.extend([("tltemplates", asked.as_str()), ("tllimit", "max")]);
            }
            let answer = self.query_pages(&params).await?;
            let list = list_page.map(|title| Arc::new(answer.list(title)));
            read.extend(
                chunk
                    .iter()
                    .map(|check| (answer.talk_page_and_request(check), list.clone())),
            );
        }
        Ok(read)
    }

    /// A `prop=` query's pages, followed through every continuation and merged by title.
    async fn query_pages(&self, params: &[(&str, &str)]) -> Result<PagesAnswer, Error> {
        let mut merged = PagesAnswer::default();
        let mut next: Vec<(String, String)> = Vec::new();
        loop {
            let mut all = vec![("action", "query")];
            all.extend_from_slice(params);
            all.extend(next.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let answer = self.get(&all).await?;
            for n in answer["query"]["normalized"]
                .as_array()
                .into_iter()
                .flatten()
            {
                if let (Some(from), Some(to)) = (n["from"].as_str(), n["to"].as_str()) {
                    merged.normalized.insert(from.to_owned(), to.to_owned());
                }
            }
            for page in answer["query"]["pages"].as_array().into_iter().flatten() {
                merged.add(page);
            }
            // Everything in `continue` goes back as it came (new-style continuation).
            next = answer
                .get("continue")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect();
            if next.is_empty() {
                return Ok(merged);
            }
        }
    }
}

/// What the notifier checks before greeting a learner: their talk page, and whether the
/// profile is still in the request category.
#[derive(Debug, Clone, Copy)]
pub struct RequestCheck<'a> {
    /// The talk page the greeting goes on.
    pub talk_page: &'a str,
    /// The learner's profile.
    pub profile: &'a str,
    /// The request category.
    pub category: &'a str,
}

/// A talk page, and when the request category was added to the profile (`None`: it is not
/// on the profile now).
pub type TalkPageAndRequest = (TalkPage, Option<Timestamp>);

/// The pages of a query, merged over its continuations.
#[derive(Default)]
struct PagesAnswer {
    /// By title, as the wiki spells it.
    pages: BTreeMap<String, Value>,
    /// Title asked for → title as the wiki spells it.
    normalized: BTreeMap<String, String>,
}

impl PagesAnswer {
    /// Adds one page of one answer: a continued answer carries only what the first one did
    /// not (more categories, say), so lists are appended and other fields kept from the first.
    fn add(&mut self, page: &Value) {
        let Some(title) = page["title"].as_str() else {
            return;
        };
        let Some(known) = self.pages.get_mut(title) else {
            self.pages.insert(title.to_owned(), page.clone());
            return;
        };
        let (Some(known), Some(more)) = (known.as_object_mut(), page.as_object()) else {
            return;
        };
        for (key, value) in more {
            match (known.get_mut(key), value) {
                (Some(Value::Array(list)), Value::Array(extra)) => {
                    list.extend(extra.iter().cloned())
                }
                (Some(_), _) => {}
                (None, _) => {
                    known.insert(key.clone(), value.clone());
                }
            }
        }
    }

    fn page(&self, title: &str) -> Option<&Value> {
        let title = self.normalized.get(title).map_or(title, String::as_str);
        self.pages.get(title)
    }

    /// The do-not-contact list on `title`, if the answer holds it (a missing page lists nobody).
    fn list(&self, title: &str) -> DoNotContact {
        let text = self
            .page(title)
            .and_then(|p| p["revisions"][0]["slots"]["main"]["content"].as_str())
            .unwrap_or("");
        DoNotContact::parse(text)
    }

    fn talk_page_and_request(&self, check: &RequestCheck<'_>) -> Result<TalkPageAndRequest, Error> {
        let talk = self.page(check.talk_page).ok_or_else(|| {
            Error::Decode(format!("no page in the answer for {}", check.talk_page))
        })?;
        let talk = read_talk_page(talk, check.talk_page)?;
        let category = self
            .normalized
            .get(check.category)
            .map_or(check.category, String::as_str);
        let added = self
            .page(check.profile)
            .and_then(|p| p["categories"].as_array())
            .into_iter()
            .flatten()
            .filter(|c| c["title"].as_str() == Some(category))
            .find_map(|c| {
                c["timestamp"]
                    .as_str()
                    .and_then(|t| Timestamp::parse(t).ok())
            });
        Ok((talk, added))
    }
}
