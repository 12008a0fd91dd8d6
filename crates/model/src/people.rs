//! Wiki accounts, their pages, and mentors.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// A wiki account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct User {
    /// The user name, as the wiki spells it.
    pub name: String,
    /// The user id (0 for an IP editor, which cannot be a learner or mentor).
    pub id: u64,
}

/// A wiki page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRef {
    /// The page id.
    pub id: u64,
    /// The full title, with namespace.
    pub title: String,
}

/// A mentor as the pool knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentor {
    /// The mentor: the creator of the profile page.
    pub user: User,
    /// Their mentor profile page.
    pub profile: PageRef,
}

/// What the wiki says about an account, for the gates on who may be matched: one
/// `list=users` request answers it for 50 accounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFacts {
    /// Blocked from editing the whole wiki (a partial block is not a block here).
    pub blocked: bool,
    /// When the account was registered; `None` for accounts older than MediaWiki's record of
    /// registrations (they are old) or when the wiki does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<Timestamp>,
    /// The account's edit count, as the wiki keeps it.
    #[serde(default)]
    pub edits: u64,
}
