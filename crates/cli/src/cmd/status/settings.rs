//! The settings page in `matchbot status`: the revision in use, and a newer one refused.

use std::fmt::Write;

use matchbot_bus::Bus;
use matchbot_config::Config;
use serde::Serialize;

/// Which settings the workers use.
#[derive(Debug, Serialize)]
pub struct SettingsStatus {
    /// `settings.page`.
    pub page: String,
    /// The revision in use; `None`: the file's settings (no valid revision was found yet).
    pub revision: Option<u64>,
    /// Who saved it.
    pub user: Option<String>,
    /// When.
    pub saved_at: Option<String>,
    /// A newer revision that is not applied, and why.
    pub refused: Option<Refused>,
}

/// A revision of the settings page that is not applied.
#[derive(Debug, Serialize)]
pub struct Refused {
    /// The revision.
    pub revision: u64,
    /// Who saved it.
    pub user: String,
    /// Every problem.
    pub problems: Vec<String>,
}

/// What the scanner handed on; `None` when the file names no settings page.
pub async fn read(config: &Config, bus: &Bus) -> anyhow::Result<Option<SettingsStatus>> {
    let Some(page) = &config.settings_page else {
        return Ok(None);
    };
    let in_use = bus.settings().await?.filter(|s| &s.page == page);
    let refused = bus.refused_settings().await?.filter(|r| &r.page == page);
    Ok(Some(SettingsStatus {
        page: page.clone(),
        revision: in_use.as_ref().map(|s| s.revision),
        user: in_use.as_ref().map(|s| s.user.clone()),
        saved_at: in_use.as_ref().map(|s| s.saved_at.to_string()),
        refused: refused.map(|r| Refused {
            revision: r.revision,
            user: r.user,
            problems: r.problems,
        }),
    }))
}

impl SettingsStatus {
    /// The lines of `matchbot status`'s table.
    pub fn lines(&self, out: &mut String) {
        let _ = match (self.revision, &self.user, &self.saved_at) {
            (Some(revision), Some(user), Some(at)) => writeln!(
                out,
                "settings     {} revision {revision} (saved by {user}, {at})",
                self.page
            ),
            _ => writeln!(
                out,
                "settings     the file's ({} has no valid revision yet)",
                self.page
            ),
        };
        if let Some(refused) = &self.refused {
            let _ = writeln!(
                out,
                "             revision {} (saved by {}) is REFUSED:",
                refused.revision, refused.user
            );
            for problem in &refused.problems {
                let _ = writeln!(out, "               {problem}");
            }
        }
    }
}
