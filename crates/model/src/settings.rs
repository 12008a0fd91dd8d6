//! The on-wiki settings page as the workers hand it to each other.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// A revision of the settings page that the scanner read and found valid: the text the other
/// workers apply over their file's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsRevision {
    /// The page.
    pub page: String,
    /// The revision.
    pub revision: u64,
    /// Who saved it.
    pub user: String,
    /// When it was saved.
    pub saved_at: Timestamp,
    /// Its JSON text.
    pub text: String,
}

/// A revision of the settings page that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedSettings {
    /// The page.
    pub page: String,
    /// The revision.
    pub revision: u64,
    /// Who saved it.
    pub user: String,
    /// When it was saved.
    pub saved_at: Timestamp,
    /// Every problem, each on a line of its own.
    pub problems: Vec<String>,
}
