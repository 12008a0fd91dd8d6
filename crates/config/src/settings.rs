//! The optional `settings` section (file-only): where the on-wiki settings page is, and which
//! sections it may set (applying one is `on_wiki`'s business).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::reader::Reader;

/// The sections a settings page may set.
pub const ON_WIKI: &[&str] = &["greetings", "categories", "matcher", "lifecycle", "gates"];

/// The file's own values of the [`ON_WIKI`] sections, kept so every revision is applied to
/// the file and never to an earlier revision.
pub(crate) fn file_sections(root: &Value) -> Arc<Map<String, Value>> {
    let sections = ON_WIKI
        .iter()
        .filter_map(|s| Some(((*s).to_owned(), root.get(*s)?.clone())))
        .collect();
    Arc::new(sections)
}

/// `settings.page`, a file-only setting.
pub(crate) fn read_page(r: &mut Reader) -> Option<Option<String>> {
    r.section("settings");
    if r.lookup("settings.page").is_none() {
        return Some(None);
    }
    r.title("settings.page").map(Some)
}
