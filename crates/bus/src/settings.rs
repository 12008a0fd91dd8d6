//! The on-wiki settings page as the scanner hands it to the other workers: the last valid
//! revision, which every worker applies over its file, and the last refused one, which
//! `matchbot status` shows. Both are written whole and signed, so nobody else's text is ever
//! taken for the Co-op's settings.

use matchbot_model::{RefusedSettings, SettingsRevision};

use crate::bus::Bus;
use crate::commit::Commit;
use crate::error::BusError;

/// The key (under the prefix) of the last valid revision of the settings page.
pub const SETTINGS: &str = "settings";

/// The key (under the prefix) of the last refused revision, if it is newer than the valid one.
pub const REFUSED_SETTINGS: &str = "settings:refused";

impl Bus {
    /// The last valid revision of the settings page the scanner handed on; `None` before it
    /// found one (or after Redis lost it).
    pub async fn settings(&self) -> Result<Option<SettingsRevision>, BusError> {
        self.signed(SETTINGS, "settings page").await
    }

    /// The last refused revision of the settings page, when it is the newest one seen.
    pub async fn refused_settings(&self) -> Result<Option<RefusedSettings>, BusError> {
        self.signed(REFUSED_SETTINGS, "refused settings page").await
    }
}

impl Commit {
    /// Hands `revision` on as the settings in force; a refused revision older than it is
    /// forgotten.
    pub fn set_settings(&mut self, revision: &SettingsRevision) -> Result<(), BusError> {
        self.set_signed(SETTINGS, revision)?;
        self.delete(REFUSED_SETTINGS);
        Ok(())
    }

    /// Notes `refused` as the newest revision, not applied.
    pub fn set_refused_settings(&mut self, refused: &RefusedSettings) -> Result<(), BusError> {
        self.set_signed(REFUSED_SETTINGS, refused)
    }
}
