//! Wiki accounts, their pages, and mentors.

use serde::{Deserialize, Serialize};

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
