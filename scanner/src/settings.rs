//! The on-wiki settings page: read at every reconcile and whenever the watchlist shows it
//! edited (so no request at all while it stays as it is), checked, applied here, and handed on
//! to the other workers through the bus. A revision that is refused changes nothing: every
//! worker keeps the last valid one, and the refusal is kept for `matchbot status`.

use matchbot_config::Config;
use matchbot_model::{ErrorKind, ErrorLogEntry, RefusedSettings, SettingsRevision, Timestamp};
use matchbot_wiki::{CurrentRevision, PageEdit};

use crate::error::ScanError;
use crate::pool;
use crate::scan::Scanner;

impl Scanner<'_> {
    /// The pages the maintainers keep that the scanner watches besides its categories: the
    /// settings page and the do-not-contact list, those configured.
    pub(crate) fn kept_pages(&self) -> impl Iterator<Item = &String> {
        let list = self.config.do_not_contact.as_ref().map(|d| &d.page);
        self.file.settings_page.iter().chain(list)
    }

    /// Reads again what a poll's watchlist shows edited of the pages the maintainers keep: the
    /// settings page and the do-not-contact list. The overlap shows an edit on the polls after
    /// it too, so only a revision not looked at yet is read: nothing while they stay as they
    /// are.
    pub(crate) async fn pages_edited(&mut self, edits: &[PageEdit]) -> Result<(), ScanError> {
        let newest = |title: Option<&str>| {
            edits
                .iter()
                .filter(|e| Some(e.title.as_str()) == title)
                .map(|e| e.revid)
                .max()
        };
        let settings = newest(self.file.settings_page.as_deref());
        if settings.is_some() && settings > self.settings_seen {
            self.settings_changed |= self.read_settings().await?;
        }
        let list = newest(self.config.do_not_contact.as_ref().map(|d| d.page.as_str()));
        if list.is_some() && list > self.list_seen {
            self.list_seen = list;
            self.pool.do_not_contact = pool::do_not_contact(&self.config, &self.wiki).await?;
            tracing::info!(
                names = self.pool.do_not_contact.len(),
                "read the do-not-contact list again"
            );
            let mut commit = self.bus.commit_builder();
            commit.set_mentor_pool(&self.pool)?;
            self.commit(commit).await?;
        }
        Ok(())
    }

    /// Reads the settings page and, when its revision is one not looked at yet, applies it
    /// (valid) or notes it refused; true when the settings in use changed.
    pub(crate) async fn read_settings(&mut self) -> Result<bool, ScanError> {
        let Some(title) = self.file.settings_page.clone() else {
            return Ok(false);
        };
        let Some(page) = self.wiki.current_revision(&title).await? else {
            if self.settings_seen.is_none() {
                tracing::warn!(page = %title, revision_in_use = ?self.config.settings_revision, "the settings page does not exist: the settings in use are kept (the file's, unless a revision was applied before)");
            }
            self.settings_seen = Some(0);
            return Ok(false);
        };
        let in_use = self.config.settings_revision;
        if Some(page.revision) == self.settings_seen || Some(page.revision) == in_use {
            self.settings_seen = Some(page.revision);
            return Ok(false);
        }
        self.settings_seen = Some(page.revision);
        let mut commit = self.bus.commit_builder();
        let changed = match judge(self.file, &page) {
            Ok(config) => {
                tracing::info!(page = %page.title, revision = page.revision, user = %page.user, "applying a new revision of the settings page");
                commit.set_settings(&SettingsRevision {
                    page: title,
                    revision: page.revision,
                    user: page.user,
                    saved_at: page.saved_at,
                    text: page.text,
                })?;
                self.config = config;
                true
            }
            Err(problems) => {
                let already = self.bus.refused_settings().await.ok().flatten();
                if already.is_none_or(|r| r.revision != page.revision) {
                    tracing::warn!(page = %page.title, revision = page.revision, user = %page.user, problems = ?problems, "a revision of the settings page is refused; the settings in use are kept");
                    // One entry per problem: each names its line, for the maintainer to fix.
                    for problem in &problems {
                        commit.log_error(&ErrorLogEntry {
                            at: Timestamp::now(),
                            kind: ErrorKind::Settings,
                            subject: Some(format!("{} (revision {})", page.title, page.revision)),
                            message: format!("not applied, the revision before is kept: {problem}"),
                        })?;
                    }
                    commit.set_refused_settings(&RefusedSettings {
                        page: title,
                        revision: page.revision,
                        user: page.user,
                        saved_at: page.saved_at,
                        problems,
                    })?;
                }
                false
            }
        };
        self.commit(commit).await?;
        Ok(changed)
    }
}

/// `file` with `page` applied, or every reason it may not be: its problems as settings, or
/// that anyone could edit it.
pub(crate) fn judge(file: &Config, page: &CurrentRevision) -> Result<Config, Vec<String>> {
    if !is_guarded(page, file.wiki.bot_name()) {
        return Err(vec![format!(
            "{} is not protected, so anyone could change what MatchBot posts: protect it \
             (edit=sysop), or keep it as a .json subpage of User:{}, which only the bot and \
             interface administrators may edit",
            page.title,
            file.wiki.bot_name()
        )]);
    }
    file.with_settings_page(&page.text, page.revision)
        .map_err(|e| e.problems())
}

/// True when not everyone may edit `page`: it is edit-protected, or it is one of the bot's
/// own `.json` user subpages, which MediaWiki lets only the bot and interface administrators
/// edit.
fn is_guarded(page: &CurrentRevision, bot: &str) -> bool {
    let own = page
        .title
        .strip_prefix("User:")
        .and_then(|t| t.strip_prefix(bot))
        .is_some_and(|rest| rest.starts_with('/') && rest.ends_with(".json"));
    own || !page.edit_protection.is_empty()
}
