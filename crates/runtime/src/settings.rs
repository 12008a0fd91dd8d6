//! A worker's settings: its file's, with the newest valid revision of the on-wiki settings
//! page applied over them.
//!
//! The scanner reads the page when it changes, checks it and hands a valid revision on through
//! the bus (see `matchbot_bus::SETTINGS`). Every entry names the revision it was made under,
//! so a worker asks the bus only when an entry is newer than what it uses, and an entry made
//! under a new greeting is posted with it. A revision that does not apply here (this worker's
//! file differs from the scanner's) is logged and the one in use kept.

use matchbot_bus::{Bus, BusError};
use matchbot_config::Config;

/// The file's configuration and the one in use.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    file: Config,
    current: Config,
}

impl LiveConfig {
    /// The file's settings, until a revision of the page is applied.
    pub fn new(file: Config) -> LiveConfig {
        LiveConfig {
            current: file.clone(),
            file,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.current
    }

    /// The revision of the settings page in use; `None`: the file's settings alone.
    pub fn revision(&self) -> Option<u64> {
        self.current.settings_revision
    }

    /// Applies the revision the scanner last handed on, if newer than the one in use; true
    /// when the settings changed. A value in Redis that is not MatchBot's is not used.
    pub async fn refresh(&mut self, bus: &Bus) -> Result<bool, BusError> {
        let Some(page) = &self.file.settings_page else {
            return Ok(false);
        };
        let newest = match bus.settings().await {
            Ok(Some(newest)) => newest,
            Ok(None) => return Ok(false),
            Err(e @ (BusError::Forged { .. } | BusError::Corrupt { .. })) => {
                tracing::warn!(error = %e, "the settings page's revision in Redis is not usable; keeping the settings in use");
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        if newest.page != *page || Some(newest.revision) <= self.revision() {
            return Ok(false);
        }
        match self.file.with_settings_page(&newest.text, newest.revision) {
            Ok(config) => {
                tracing::info!(page = %page, revision = newest.revision, user = %newest.user, "using a new revision of the settings page");
                self.current = config;
                Ok(true)
            }
            Err(e) => {
                tracing::warn!(error = %e, "a revision of the settings page does not apply to this worker's file; keeping the settings in use");
                Ok(false)
            }
        }
    }

    /// [`LiveConfig::refresh`], only when `wanted` (the revision an entry was made under) is
    /// newer than the one in use: no round trip while nothing changed.
    pub async fn catch_up(&mut self, bus: &Bus, wanted: Option<u64>) -> Result<bool, BusError> {
        if wanted <= self.revision() {
            return Ok(false);
        }
        self.refresh(bus).await
    }
}
