//! Reading what a batch of decisions needs before their greetings, in as few API requests as
//! the API allows.

use matchbot_bus::Delivery;
use matchbot_config::Config;
use matchbot_model::Decision;
use matchbot_wiki::{Client, ReadCheck, RequestCheck};

use crate::trial::Trial;

/// How many decisions are read, and their talk pages fetched, together.
///
/// As many as one API request can fetch (25 learners: 50 titles) when the edits would follow
/// one another at once: in a dry run, or with no edit interval and no edit budget. Otherwise
/// one: a talk page read 25 edit intervals before its edit would be stale, and decisions read
/// beyond a spent budget would sit with a stopped consumer until `claim_idle` passed.
pub fn decisions_per_read(config: &Config, trial: Trial) -> usize {
    let at_once = config.notifier.edit_interval.is_zero() && trial.max_edits.is_none();
    if trial.dry_run || at_once { 25 } else { 1 }
}

/// What was read for one decision: its talk page and whether the request still stands, or the
/// error reading them gave, and the do-not-contact list read with them (when there is one);
/// `None` for a decision whose profile is not under `pages.main`.
pub(crate) type TalkPageRead = Option<ReadCheck>;

/// Reads what each decision of `batch` needs before its greeting (its talk page, whether the
/// request still stands, the do-not-contact list). `None` for a decision whose profile is not under `pages.main`:
/// there is nothing to read.
pub(crate) async fn read_talk_pages(
    config: &Config,
    wiki: &Client,
    batch: &[Delivery<Decision>],
) -> Result<Vec<TalkPageRead>, matchbot_wiki::Error> {
    let talk_pages: Vec<Option<String>> = batch
        .iter()
        .map(|e| config.pages.talk_page_of(&e.payload.request.profile.title))
        .collect();
    let checks: Vec<RequestCheck<'_>> = batch
        .iter()
        .zip(&talk_pages)
        .filter_map(|(entry, talk_page)| {
            let request = &entry.payload.request;
            Some(RequestCheck {
                talk_page: talk_page.as_deref()?,
                profile: &request.profile.title,
                category: &request.category,
            })
        })
        .collect();
    let templates = &config.gates.skip_templates;
    // The list is read in the same request as the talk pages: as current as they are, at no
    // request more.
    let list = config.do_not_contact.as_ref().map(|d| d.page.as_str());
    let mut read = wiki
        .talk_pages_and_requests(&checks, templates, list)
        .await?
        .into_iter();
    Ok(talk_pages
        .iter()
        .map(|title| title.as_ref().and_then(|_| read.next()))
        .collect())
}
