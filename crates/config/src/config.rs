use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::domain::Timestamp;
use crate::secret::Secret;

/// The whole validated configuration. Build it with [`Config::load`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, for messages.
    pub source: PathBuf,
    /// The skills in configuration order: `categories.skillslist`, `requestcategories` and
    /// `mentorcategories` zipped by position, after checking that their lengths agree.
    pub skills: Vec<Skill>,
    /// `categories.general`: mentors willing to help with anything.
    pub general_category: String,
    /// How a greeting names the skill of a mentor found through the general category: the skill
    /// whose mentor category is the general one, or `categories.generalskill`.
    pub general_skill: String,
    /// `categories.optout`: mentors who take no new learners.
    pub optout_category: String,
    /// `categories.away` (optional): mentors on a break. The sort key of a profile's link to it
    /// is the date they are back (`[[Category:…|2026-12-24]]`); without a date, or with one
    /// that cannot be read, they are away until the profile leaves the category.
    pub away_category: Option<String>,
    /// `defaultmentorprofile`: the maintainer's profile; its creator gets the unmatched learners.
    pub maintainer_profile: String,
    /// `pages.main` and `pages.talk`.
    pub pages: Pages,
    /// `greetings.*`.
    pub greetings: Greetings,
    /// `login.*` plus the optional `wiki` section.
    pub wiki: WikiConfig,
    /// `dbinfo.*`.
    pub db: DbConfig,
    /// The optional `redis` section.
    pub redis: RedisConfig,
    /// The optional `scanner` section.
    pub scanner: ScannerConfig,
    /// The optional `matcher` section.
    pub matcher: MatcherConfig,
    /// The optional `notifier` section.
    pub notifier: NotifierConfig,
    /// `report.page`: where `matchbot report --publish` saves the report; none by default.
    pub report_page: Option<String>,
}

impl Config {
    /// True when `category` is one of the request categories.
    pub fn is_request_category(&self, category: &str) -> bool {
        self.skills.iter().any(|s| s.request_category == category)
    }

    /// The skill a learner asks for with `category`, as the Co-op names it ("writing"); for a
    /// category that is no longer configured, the category's title without its namespace.
    pub fn skill_requested_with<'a>(&'a self, category: &'a str) -> &'a str {
        self.skills
            .iter()
            .find(|s| s.request_category == category)
            .map_or_else(
                || {
                    category
                        .split_once(':')
                        .map_or(category, |(_, title)| title)
                },
                |s| s.name.as_str(),
            )
    }
}

/// One skill the Co-op offers mentoring in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The text a greeting uses ("writing").
    pub name: String,
    /// The category a learner adds to ask for it.
    pub request_category: String,
    /// The category a mentor adds to offer it.
    pub mentor_category: String,
}

/// Where profiles live.
#[derive(Debug, Clone)]
pub struct Pages {
    /// Every profile is a subpage of this page (`Wikipedia:Co-op`).
    pub main: String,
    /// Every profile's talk page is the same subpage of this page (`Wikipedia talk:Co-op`).
    pub talk: String,
}

impl Pages {
    /// True when `title` is a subpage of `pages.main`. The original tested the bare prefix, so
    /// `Wikipedia:Co-operation` passed (research/matchbot-original.md §8, defect 19).
    pub fn is_profile(&self, title: &str) -> bool {
        title
            .strip_prefix(&self.main)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|sub| !sub.is_empty())
    }

    /// The talk page of a profile: the `pages.main` prefix replaced by `pages.talk`.
    pub fn talk_page_of(&self, profile: &str) -> Option<String> {
        self.is_profile(profile)
            .then(|| format!("{}{}", self.talk, &profile[self.main.len()..]))
    }
}

/// The greeting texts, with the original's placeholders.
#[derive(Debug, Clone)]
pub struct Greetings {
    /// Section title when a mentor was found.
    pub match_topic: String,
    /// `{0}` mentor, `{1}` the skill the mentor offers.
    pub match_greeting: String,
    /// Section title when nobody was found.
    pub nomatch_topic: String,
    /// `{0}` the maintainer.
    pub nomatch_greeting: String,
    /// `{0}` topic, `{1}` learner, `{2}` greeting: the wikitext appended to a talk page.
    pub noflow_template: String,
}

/// How to reach and identify to the wiki.
#[derive(Debug, Clone)]
pub struct WikiConfig {
    /// `login.protocol`: `http` or `https`.
    pub protocol: String,
    /// `login.site`: host and optional port.
    pub site: String,
    /// `wiki.scriptpath`: where `api.php` lives, `/w/` by default, `/` for a wiki served at the root.
    pub script_path: String,
    /// The full API endpoint, derived from the three above.
    pub api_url: String,
    /// `login.username`: for a BotPassword, `Bot@appid`; with OAuth 2, the account's name.
    pub username: String,
    /// How the bot proves who it is.
    pub auth: WikiAuth,
    /// `login.useragent`: who runs the bot and how to reach them (an email address, a URL or a
    /// `User:` page), sent inside MatchBot's User-Agent as Wikimedia's policy asks.
    pub user_agent: String,
}

/// How the bot logs in to the wiki.
#[derive(Debug, Clone)]
pub enum WikiAuth {
    /// `login.password` or `MATCHBOT_WIKI_PASSWORD`: a BotPassword, used with `action=login`.
    BotPassword(Secret),
    /// `wiki.oauth2_token` or `MATCHBOT_WIKI_OAUTH2_TOKEN`: an owner-only OAuth 2 access token,
    /// sent as `Authorization: Bearer` on every request. Preferred over a BotPassword when both
    /// are given.
    OAuth2(Secret),
}

impl WikiConfig {
    /// The account name edits are made under: the part of `login.username` before any `@appid`.
    pub fn bot_name(&self) -> &str {
        self.username.split('@').next().unwrap_or(&self.username)
    }
}

/// Where the match records go.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `dbinfo.host`.
    pub host: String,
    /// `dbinfo.port`, 3306 by default.
    pub port: u16,
    /// `dbinfo.dbname`.
    pub name: String,
    /// `dbinfo.username`, or `MATCHBOT_DB_USER` / `TOOL_TOOLSDB_USER`.
    pub user: String,
    /// `dbinfo.password`, or `MATCHBOT_DB_PASSWORD` / `TOOL_TOOLSDB_PASSWORD`.
    pub password: Secret,
}

/// The stream bus.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis.url` or `MATCHBOT_REDIS_URL`; may hold a password, so it is kept secret.
    pub url: Secret,
    /// `redis.prefix` or `MATCHBOT_REDIS_PREFIX`: on Toolforge's shared, password-less Redis this
    /// is what keeps other tools out, so it should be long and secret there.
    pub prefix: Secret,
    /// `redis.claim_idle_seconds` (default 300): an entry pending this long with a consumer that
    /// stopped is taken over by a live one. Keep it above the slowest handling of one entry, or a
    /// live consumer's entry is handled twice.
    pub claim_idle: Duration,
    /// `redis.max_deliveries` (default 5): an entry handed out this many times without being
    /// acked goes to the dead-letter stream instead of crashing its worker again.
    pub max_deliveries: u64,
    /// `redis.keep_handled_seconds` (default 3600): how long an entry stays on its stream once
    /// the stage reading it has handled it, for `matchbot stream export`. Entries not yet
    /// handled are never trimmed.
    pub keep_handled: Duration,
}

/// The scanner's settings.
#[derive(Debug, Clone)]
pub struct ScannerConfig {
    /// `scanner.poll_seconds`: pause between two polls of the watchlist (default 5).
    pub poll_interval: Duration,
    /// `scanner.since`: where a first scan starts when `--since` is not given (else: now).
    pub since: Option<Timestamp>,
    /// `scanner.overlap_seconds`: how far behind its cursor each poll looks again, for category
    /// changes the wiki notes late (its job queue, replica lag); default 120.
    pub overlap: Duration,
    /// `scanner.reconcile_seconds`: how often the scanner lists every request and mentor
    /// category in full, re-finds any request not yet handled, re-reads the mentor pool and
    /// its blocks, and checks its categories are still watched (default 3600; also at start).
    pub reconcile_interval: Duration,
}

/// The matcher's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherConfig {
    /// `matcher.seed`: with the request id, fixes every random choice, so replaying a stream
    /// decides the same.
    pub seed: u64,
    /// `matcher.selection` (default `least-loaded`): how one mentor is drawn from the eligible.
    pub selection: Selection,
    /// `matcher.load_days` (default 30): a mentor's load is the number of learners the matcher
    /// gave them among requests made in this many days before the one being decided.
    pub load_days: u32,
    /// `matcher.max_active`: the most learners (load) a mentor gets before they are passed
    /// over; none by default. `matcher.mentors.<name>.max_active` overrides it for one mentor.
    pub max_active: Option<u32>,
    /// `matcher.active_within_days`: a mentor whose last edit is older than this is passed over;
    /// off by default (the scanner then does not look up last edits).
    pub active_within_days: Option<u32>,
    /// `matcher.mentors`: per-mentor settings, by user name.
    pub mentors: BTreeMap<String, MentorSettings>,
}

impl MatcherConfig {
    /// The settings of mentor `name` (the defaults when the configuration does not name them).
    pub fn mentor(&self, name: &str) -> MentorSettings {
        self.mentors.get(name).copied().unwrap_or_default()
    }

    /// The cap of mentor `name`: their own, else `matcher.max_active`.
    pub fn cap(&self, name: &str) -> Option<u32> {
        self.mentor(name).max_active.or(self.max_active)
    }
}

impl Default for MatcherConfig {
    fn default() -> MatcherConfig {
        MatcherConfig {
            seed: 0,
            selection: Selection::LeastLoaded,
            load_days: 30,
            max_active: None,
            active_within_days: None,
            mentors: BTreeMap::new(),
        }
    }
}

/// How the matcher draws one mentor from those eligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Every eligible mentor equally likely (the original's rule); a weight of 0 still keeps a
    /// mentor out.
    Uniform,
    /// Likelihood proportional to `weight / (1 + load)`: the fewer learners a mentor got lately,
    /// the likelier they are chosen.
    LeastLoaded,
}

impl Selection {
    /// The name used in the configuration and in explanations.
    pub fn name(self) -> &'static str {
        match self {
            Selection::Uniform => "uniform",
            Selection::LeastLoaded => "least-loaded",
        }
    }
}

/// What `matcher.mentors.<name>` can say about one mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MentorSettings {
    /// `weight` (default 1): how likely the mentor is drawn relative to others with the same
    /// load; 0 means never assigned automatically (like Growth's "weight none").
    pub weight: u32,
    /// `max_active`: this mentor's own cap, overriding `matcher.max_active`.
    pub max_active: Option<u32>,
}

impl Default for MentorSettings {
    fn default() -> MentorSettings {
        MentorSettings {
            weight: 1,
            max_active: None,
        }
    }
}

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
    /// `notifier.missing_talk_page` (default `wikitext`): what a missing talk page becomes on a
    /// wiki with Flow. Without Flow it is always a wikitext page.
    pub missing_talk_page: MissingTalkPage,
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
