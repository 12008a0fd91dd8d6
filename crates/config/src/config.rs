//! The whole configuration: reading `config.json` and the environment into a [`Config`].
//!
//! The file is first read as plain JSON, then each section's reader walks its keys. A missing or
//! wrong key is noted and the walk goes on, so one run names everything that is wrong (an
//! operator on Toolforge should not have to restart a job once per typo). Nothing is defaulted
//! silently except the optional sections MatchBot added; the original keys are all required, as
//! the original required them. A key that no reader asks for is a problem too.

use std::path::{Path, PathBuf};

use std::io::Read;

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::categories::{self, Skill};
use crate::db::{self, DbConfig};
use crate::errors::{self, DoNotContactConfig, ErrorsConfig};
use crate::gates::{self, GatesConfig};
use crate::greetings::{self, Greetings};
use crate::lifecycle::{self, LifecycleConfig};
use crate::limits;
use crate::matcher::{self, MatcherConfig};
use crate::notifier::{self, NotifierConfig};
use crate::pages::{self, Pages};
use crate::problem::ConfigError;
use crate::reader::Reader;
use crate::redis::{self, RedisConfig};
use crate::scanner::{self, ScannerConfig};
use crate::settings;
use crate::wiki::{self, WikiConfig};

/// The whole validated configuration. Build it with [`Config::load`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from, for messages.
    pub source: PathBuf,
    /// The programme this is the configuration of: its name under `programmes`, or
    /// [`DEFAULT_PROGRAMME`](crate::DEFAULT_PROGRAMME) for a file of one wiki.
    pub programme: String,
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
    /// `categories.mentor_settings` (optional): the hidden category the mentor template
    /// (`{{Co-op mentor|max=…|weight=…|note=…}}`) puts a profile in; the sort key of the link
    /// carries what the mentor set, `max=3;weight=2;note=…`.
    pub mentor_settings_category: Option<String>,
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
    /// The optional `lifecycle` section: `None` when matches are not followed after their
    /// greeting.
    pub lifecycle: Option<LifecycleConfig>,
    /// The optional `errors` section: `None` when there is no on-wiki error log.
    pub errors: Option<ErrorsConfig>,
    /// The optional `do_not_contact` section: `None` when there is no do-not-contact list.
    pub do_not_contact: Option<DoNotContactConfig>,
    /// The optional `gates` section: which learners may be matched.
    pub gates: GatesConfig,
    /// `report.page`: where `matchbot report --publish` saves the report; none by default.
    pub report_page: Option<String>,
    /// `settings.page` (file-only): the on-wiki settings page; none by default.
    pub settings_page: Option<String>,
    /// The revision of the settings page applied over the file (see
    /// [`Config::with_settings_page`]); `None`: the file's settings alone.
    pub settings_revision: Option<u64>,
    /// The file's own values of the sections a settings page may set.
    pub(crate) file_sections: Arc<Map<String, Value>>,
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

/// Loading only `dbinfo`, for a command that needs nothing else (`matchbot migrate`): the
/// rest of the file is not judged, so a wiki password left to the environment of the workers
/// does not stop the database from being set up where that environment is not given.
impl DbConfig {
    /// Loads the `dbinfo` of `path` (a file, or a directory holding `config.json`) with the
    /// process environment.
    pub fn load(path: &Path) -> Result<DbConfig, ConfigError> {
        DbConfig::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// Loads the `dbinfo` of `path` with `env` standing in for the process environment.
    pub fn load_with_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<DbConfig, ConfigError> {
        let path = file_of(path)?;
        let text = read_bounded(&path)?;
        let root = parse(&text, &path)?;
        let mut r = Reader::new(&root, &env);
        let db = if r.root_is_object() {
            let db = db::read(&mut r, &path);
            // A typo in `dbinfo` is still named; the other sections are other commands' business.
            r.unknown_keys_below("dbinfo");
            db
        } else {
            r.problem("(top level)", "must be a JSON object");
            None
        };
        settled(r, db, &path)
    }
}

/// The JSON of a configuration's text, refused when it is larger than any configuration.
pub(crate) fn parse(text: &str, source: &Path) -> Result<Value, ConfigError> {
    if text.len() as u64 > limits::FILE_BYTES {
        return Err(too_large(source));
    }
    serde_json::from_str(text).map_err(|e| ConfigError::Json {
        path: source.to_path_buf(),
        source: e,
    })
}

/// What was read, if the reader noted no problem on the way.
pub(crate) fn settled<T>(r: Reader, read: Option<T>, source: &Path) -> Result<T, ConfigError> {
    match read {
        Some(value) if r.problems.is_empty() => Ok(value),
        _ => Err(ConfigError::Invalid {
            path: source.to_path_buf(),
            problems: r.problems,
        }),
    }
}

/// The file a configuration path names: itself, or `config.json` in it when it is a directory.
/// A directory without one is said plainly: it is what Docker mounts where a missing file
/// was to be mounted, and "cannot read …/config.json/config.json" would not tell that.
pub(crate) fn file_of(path: &Path) -> Result<PathBuf, ConfigError> {
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    let file = path.join("config.json");
    if file.exists() {
        Ok(file)
    } else {
        Err(ConfigError::NoFileInDirectory {
            path: path.to_path_buf(),
        })
    }
}

/// The text of `path`, read no further than the largest configuration allowed.
pub(crate) fn read_bounded(path: &Path) -> Result<String, ConfigError> {
    let failed = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let mut bytes = Vec::new();
    file.take(limits::FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > limits::FILE_BYTES {
        return Err(too_large(path));
    }
    String::from_utf8(bytes).map_err(|e| {
        failed(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            e.utf8_error(),
        ))
    })
}

fn too_large(path: &Path) -> ConfigError {
    ConfigError::TooLarge {
        path: path.to_path_buf(),
        limit: limits::FILE_BYTES_SAID,
    }
}

/// Reads every section, noting problems; `None` when some required part is unusable.
pub(crate) fn read(r: &mut Reader, source: &Path, root: &Value) -> Option<Config> {
    if !r.root_is_object() {
        r.problem("(top level)", "must be a JSON object");
        return None;
    }
    let pages = pages::read(r);
    let categories = categories::read(r);
    let maintainer_profile = pages::read_maintainer_profile(r, pages.as_ref());
    let greetings = greetings::read(r);
    let wiki = wiki::read(r);
    let db = db::read(r, source);
    let redis = redis::read(r, source);
    let scanner = scanner::read(r);
    let matcher = matcher::read(r);
    let notifier = notifier::read(r, wiki.as_ref().map(WikiConfig::bot_name));
    let lifecycle = lifecycle::read(r);
    let errors = errors::read_errors(r);
    let do_not_contact = errors::read_do_not_contact(r);
    let gates = gates::read(r);
    r.section("report");
    let report_page = r
        .lookup("report.page")
        .is_some()
        .then(|| r.title("report.page"));
    let settings_page = settings::read_page(r);
    if let Some(Some(log)) = &errors {
        let run_page = notifier.as_ref().map(|n| n.run_page.as_str());
        let dnc = do_not_contact
            .as_ref()
            .and_then(|d| d.as_ref().map(|d| d.page.as_str()));
        let report = report_page.as_ref().and_then(|p| p.as_deref());
        let settings = settings_page.as_ref().and_then(|p| p.as_deref());
        errors::keep_log_page_apart(
            r,
            log,
            &[
                ("do_not_contact.page", dnc),
                ("notifier.run_page", run_page),
                ("report.page", report),
                ("settings.page", settings),
            ],
        );
    }
    r.unknown_keys();
    let categories = categories?;
    Some(Config {
        source: source.to_path_buf(),
        programme: matchbot_model::DEFAULT_PROGRAMME.to_owned(),
        skills: categories.skills,
        general_category: categories.general,
        general_skill: categories.general_skill,
        optout_category: categories.optout,
        away_category: categories.away,
        mentor_settings_category: categories.mentor_settings,
        maintainer_profile: maintainer_profile?,
        pages: pages?,
        greetings: greetings?,
        wiki: wiki?,
        db: db?,
        redis: redis?,
        scanner: scanner?,
        matcher: matcher?,
        notifier: notifier?,
        lifecycle: lifecycle?,
        errors: errors?,
        do_not_contact: do_not_contact?,
        gates: gates?,
        report_page: report_page.map_or(Some(None), |p| p.map(Some))?,
        settings_page: settings_page?,
        settings_revision: None,
        file_sections: settings::file_sections(root),
    })
}
