//! The optional `errors` and `do_not_contact` sections: the on-wiki error log, and the page
//! listing users MatchBot never contacts or chooses. Both are read from the file only: where
//! the bot writes and whom it leaves alone are not for a wiki edit to change.

use std::time::Duration;

use crate::reader::Reader;

/// The most entries the log page may keep: a bigger table is a page nobody reads.
pub const MAX_KEEP: u32 = 500;

/// The on-wiki error log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorsConfig {
    /// `errors.page`: the page the log is published on (the bot creates it).
    pub page: String,
    /// `errors.min_interval_minutes` (default 60): the page is edited at most this often.
    pub min_interval: Duration,
    /// `errors.keep` (default 50, from 1 to [`MAX_KEEP`]): the newest entries the page shows.
    pub keep: usize,
}

/// The do-not-contact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoNotContactConfig {
    /// `do_not_contact.page`: the page listing the users, one per line or as `[[User:…]]` links.
    pub page: String,
}

impl ErrorsConfig {
    /// The defaults, for a log on `page`.
    pub fn on(page: &str) -> ErrorsConfig {
        ErrorsConfig {
            page: page.to_owned(),
            min_interval: Duration::from_secs(3600),
            keep: 50,
        }
    }
}

/// Reads `errors`; `Some(None)` when it is absent or has no `page`, `None` when it is wrong.
pub(crate) fn read_errors(r: &mut Reader) -> Option<Option<ErrorsConfig>> {
    if r.lookup("errors").is_none() {
        return Some(None);
    }
    r.section("errors");
    let page = match r.lookup("errors.page") {
        Some(_) => r.title("errors.page").map(Some),
        None => Some(None),
    };
    let minutes = match r.opt_u32("errors.min_interval_minutes") {
        Some(0) => {
            r.problem(
                "errors.min_interval_minutes",
                "must be at least 1: the log page is not edited more than once a minute",
            );
            None
        }
        Some(m) => Some(m),
        None => Some(60),
    };
    let keep = match r.opt_u32("errors.keep") {
        Some(n @ 1..=MAX_KEEP) => Some(n as usize),
        Some(n) => {
            r.problem(
                "errors.keep",
                format!("must be from 1 to {MAX_KEEP}, not {n}"),
            );
            None
        }
        None => Some(50),
    };
    let (page, minutes, keep) = (page?, minutes?, keep?);
    Some(page.map(|page| ErrorsConfig {
        page,
        min_interval: Duration::from_secs(u64::from(minutes) * 60),
        keep,
    }))
}

/// Notes a problem when the log page is one of the pages the bot reads or writes for something
/// else: publishing the log replaces the whole page, so it would wipe the list, the run page,
/// the report or the settings.
pub(crate) fn keep_log_page_apart(
    r: &mut Reader,
    log: &ErrorsConfig,
    others: &[(&str, Option<&str>)],
) {
    let same = |a: &str, b: &str| a.replace('_', " ").trim() == b.replace('_', " ").trim();
    for (key, page) in others {
        if let Some(page) = page
            && same(&log.page, page)
        {
            r.problem(
                "errors.page",
                format!("is also {key}: the error log replaces its page whole, so it must be a page of its own"),
            );
        }
    }
}

/// Reads `do_not_contact`; `Some(None)` when it is absent or has no `page`.
pub(crate) fn read_do_not_contact(r: &mut Reader) -> Option<Option<DoNotContactConfig>> {
    if r.lookup("do_not_contact").is_none() {
        return Some(None);
    }
    r.section("do_not_contact");
    match r.lookup("do_not_contact.page") {
        Some(_) => r
            .title("do_not_contact.page")
            .map(|page| Some(DoNotContactConfig { page })),
        None => Some(None),
    }
}
