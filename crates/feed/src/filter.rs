//! Which changes concern the scanner: its categories' `categorize` changes and edits of the
//! pages it watches, on its own wiki.

use std::collections::BTreeSet;

use crate::change::Change;

/// The changes one scanner wants to hear of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The wiki's database name (`enwiki`); any when `None`.
    pub wiki: Option<String>,
    /// The wiki's host name (`en.wikipedia.org`); any when `None`.
    pub server_name: Option<String>,
    /// The categories (`Category:…`) whose `categorize` changes count.
    pub categories: BTreeSet<String>,
    /// The other pages whose edits count (the settings page, the do-not-contact list).
    pub pages: BTreeSet<String>,
}

impl Filter {
    /// True when `change` is on this wiki and is one the scanner acts on.
    pub fn keeps(&self, change: &Change) -> bool {
        let here = self.wiki.as_ref().is_none_or(|w| *w == change.wiki)
            && self
                .server_name
                .as_ref()
                .is_none_or(|s| *s == change.server_name);
        here && match change.kind.as_str() {
            "categorize" => self.categories.contains(&change.title),
            "edit" | "new" => self.pages.contains(&change.title),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: &str, title: &str, wiki: &str) -> Change {
        Change {
            meta: None,
            kind: kind.into(),
            namespace: 14,
            title: title.into(),
            comment: String::new(),
            timestamp: 0,
            user: String::new(),
            wiki: wiki.into(),
            server_name: format!("{wiki}.example"),
        }
    }

    #[test]
    fn only_the_scanners_categories_and_pages_on_its_wiki_are_kept() {
        let filter = Filter {
            wiki: Some("enwiki".into()),
            server_name: None,
            categories: BTreeSet::from(["Category:Co-op mentors".to_owned()]),
            pages: BTreeSet::from(["User:MatchBot/config.json".to_owned()]),
        };
        assert!(filter.keeps(&change("categorize", "Category:Co-op mentors", "enwiki")));
        assert!(filter.keeps(&change("edit", "User:MatchBot/config.json", "enwiki")));
        assert!(!filter.keeps(&change("categorize", "Category:Co-op mentors", "dewiki")));
        assert!(!filter.keeps(&change("categorize", "Category:Cats", "enwiki")));
        assert!(!filter.keeps(&change("edit", "Category:Co-op mentors", "enwiki")));
        assert!(!filter.keeps(&change("log", "User:MatchBot/config.json", "enwiki")));
    }
}
