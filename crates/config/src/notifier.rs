//! The optional `notifier` section: the kill switch, the edit rate, edit summaries and missing
//! talk pages.

use std::time::Duration;

use crate::limits;
use crate::reader::Reader;

/// The notifier's settings.
#[derive(Debug, Clone)]
pub struct NotifierConfig {
    /// `notifier.summary_suffix`: appended to every edit summary (e.g. a link to the bot's task page).
    pub summary_suffix: String,
    /// `notifier.run_page` (default `User:<bot>/Run`): the kill switch. While its text is not
    /// `true`, the bot makes no edit and waits.
    pub run_page: String,
    /// `notifier.run_page_check_seconds` (default 60): the run page is read at most this often.
    pub run_page_check: Duration,
    /// `notifier.edit_interval_seconds` (default 10; 0 allowed, for tests): the least time
    /// between two edits of one notifier.
    pub edit_interval: Duration,
    /// `notifier.daily_edit_cap` (default none): the most greetings the bot account saves in
    /// one UTC day, across every notifier; when it is reached the notifier says so, reads no
    /// more decisions until the next day, and `matchbot status` names it as a problem.
    pub daily_edit_cap: Option<u64>,
    /// `notifier.missing_talk_page` (default `wikitext`): what a missing talk page becomes on a
    /// wiki with Flow. Without Flow it is always a wikitext page.
    pub missing_talk_page: MissingTalkPage,
    /// `notifier.edit_time_limit_seconds` (default 200, Wikimedia's limit on a POST request; 0
    /// allowed, for tests): how long the wiki may still be saving an edit whose answer was
    /// lost. A greeting whose edit ended in a timeout or a 5xx is looked for in the bot's own
    /// revisions only once this has passed since it was sent, and posted again only if absent.
    pub edit_time_limit: Duration,
}

impl NotifierConfig {
    /// The edit summary for `text`: it, plus any configured suffix. Every edit's summary, a
    /// greeting's or a report's, is made here.
    pub fn summary(&self, text: &str) -> String {
        match self.summary_suffix.as_str() {
            "" => text.to_owned(),
            suffix => format!("{text} {suffix}"),
        }
    }
}

/// What a greeting on a talk page that does not exist yet creates, on a wiki with Flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingTalkPage {
    /// A wikitext page with the greeting as its first section.
    Wikitext,
    /// A Flow board with the greeting as its first topic (needs the `flow-create-board` right).
    Flow,
}

impl NotifierConfig {
    /// The settings when the file says nothing: `bot`'s run page (`User:<bot>/Run`), read at
    /// most once a minute, and 10 s between edits, as Wikipedia asks of bots.
    pub fn defaults_for(bot: &str) -> NotifierConfig {
        NotifierConfig {
            summary_suffix: String::new(),
            run_page: format!("User:{bot}/Run"),
            run_page_check: Duration::from_secs(60),
            edit_interval: Duration::from_secs(10),
            daily_edit_cap: None,
            missing_talk_page: MissingTalkPage::Wikitext,
            edit_time_limit: Duration::from_secs(200),
        }
    }
}

/// Reads the section. `bot` is the account name, for the default run page (`None` when the
/// login is unusable, and then so is this section).
pub(crate) fn read(r: &mut Reader, bot: Option<&str>) -> Option<NotifierConfig> {
    let defaults = NotifierConfig::defaults_for(bot.unwrap_or_default());
    r.section("notifier");
    let summary_suffix = r
        .opt_text("notifier.summary_suffix", limits::SUMMARY)
        .unwrap_or(defaults.summary_suffix);
    let run_page = match r.opt_text("notifier.run_page", limits::TITLE) {
        Some(page) => Some(page),
        None => bot.map(|_| defaults.run_page),
    };
    let run_page_check = r
        .opt_seconds("notifier.run_page_check_seconds")
        .map_or(defaults.run_page_check, Duration::from_secs_f64);
    let edit_interval = r
        .opt_seconds_or_zero("notifier.edit_interval_seconds")
        .map_or(defaults.edit_interval, Duration::from_secs_f64);
    let daily_edit_cap = r.opt_u64("notifier.daily_edit_cap");
    if daily_edit_cap == Some(0) {
        r.problem(
            "notifier.daily_edit_cap",
            "must be at least 1; leave it out for no daily cap",
        );
    }
    let missing_talk_page = match r.opt_string("notifier.missing_talk_page").as_deref() {
        None | Some("wikitext") => MissingTalkPage::Wikitext,
        Some("flow") => MissingTalkPage::Flow,
        Some(other) => {
            r.problem(
                "notifier.missing_talk_page",
                format!("\"{other}\" must be \"wikitext\" or \"flow\""),
            );
            defaults.missing_talk_page
        }
    };
    let edit_time_limit = r
        .opt_seconds_or_zero("notifier.edit_time_limit_seconds")
        .map_or(defaults.edit_time_limit, Duration::from_secs_f64);
    Some(NotifierConfig {
        summary_suffix,
        run_page: run_page?,
        run_page_check,
        edit_interval,
        daily_edit_cap,
        missing_talk_page,
        edit_time_limit,
    })
}
