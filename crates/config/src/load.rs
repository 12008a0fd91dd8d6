//! Reading `config.json` and the environment into a [`Config`], collecting every problem.
//!
//! The file is first read as plain JSON, then walked key by key. A missing or wrong key is noted
//! and the walk goes on, so one run names everything that is wrong (an operator on Toolforge should
//! not have to restart a job once per typo). Nothing is defaulted silently except the optional
//! sections MatchBot added; the original keys are all required, as the original required them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::config::{
    Config, DbConfig, Greetings, MatcherConfig, MentorSettings, MissingTalkPage, NotifierConfig,
    Pages, RedisConfig, ScannerConfig, Selection, Skill, WikiAuth, WikiConfig,
};
use crate::domain::Timestamp;
use crate::mycnf;
use crate::secret::Secret;
use crate::template::placeholders;

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("configuration {} is not valid JSON: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Where and why parsing stopped.
        source: serde_json::Error,
    },
    /// The file is JSON but some settings are missing or wrong; all of them are listed.
    #[error("configuration {} has {} problem{}:{}", path.display(), problems.len(),
        if problems.len() == 1 { "" } else { "s" }, ProblemList(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

/// One thing wrong with one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The setting's key path, as in the file (`categories.skillslist`), or the environment
    /// variable that supplied it.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

/// Toolforge's ToolsDB, as its documentation names it.
const TOOLSDB_HOST: &str = "tools.db.svc.wikimedia.cloud";

/// ToolsDB's databases are `<user>__<name>`: a tool may create only its own.
const TOOLSDB_SEPARATOR: &str = "__";

/// Keys MatchBot added, per optional section; anything else there is a typo worth reporting,
/// because a misspelt optional key would otherwise be ignored and its default used.
const OPTIONAL_SECTIONS: &[(&str, &[&str])] = &[
    ("wiki", &["scriptpath", "oauth2_token"]),
    (
        "redis",
        &[
            "url",
            "prefix",
            "claim_idle_seconds",
            "max_deliveries",
            "keep_handled_seconds",
        ],
    ),
    (
        "scanner",
        &[
            "poll_seconds",
            "since",
            "overlap_seconds",
            "reconcile_seconds",
        ],
    ),
    (
        "matcher",
        &[
            "seed",
            "selection",
            "load_days",
            "max_active",
            "active_within_days",
            "mentors",
        ],
    ),
    ("report", &["page"]),
    (
        "notifier",
        &[
            "summary_suffix",
            "run_page",
            "run_page_check_seconds",
            "edit_interval_seconds",
            "missing_talk_page",
        ],
    ),
];

impl Config {
    /// Loads `path` (a file, or a directory holding `config.json`) with the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// Loads `path` with `env` standing in for the process environment.
    pub fn load_with_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let path = if path.is_dir() {
            path.join("config.json")
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Config::from_json(&text, &path, env)
    }

    /// Builds a configuration from the text of a `config.json`; `source` names it in messages.
    pub fn from_json(
        text: &str,
        source: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let root: Value = serde_json::from_str(text).map_err(|e| ConfigError::Json {
            path: source.to_path_buf(),
            source: e,
        })?;
        let mut r = Reader {
            root: &root,
            problems: Vec::new(),
            env: &env,
        };
        let config = r.config(source);
        match config {
            Some(config) if r.problems.is_empty() => Ok(config),
            _ => Err(ConfigError::Invalid {
                path: source.to_path_buf(),
                problems: r.problems,
            }),
        }
    }
}

struct Reader<'a> {
    root: &'a Value,
    problems: Vec<Problem>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Reader<'_> {
    /// Reads every section, noting problems; `None` when some required part is unusable.
    fn config(&mut self, source: &Path) -> Option<Config> {
        if !self.root.is_object() {
            self.problem("(top level)", "must be a JSON object");
            return None;
        }
        self.unknown_keys();
        let pages = self.pages();
        let (skills, general_category, general_skill, optout_category) = self.categories();
        let away_category = self
            .lookup("categories.away")
            .is_some()
            .then(|| self.category("categories.away"));
        let maintainer_profile = self.string("defaultmentorprofile");
        if let (Some(pages), Some(profile)) = (&pages, &maintainer_profile)
            && !pages.is_profile(profile)
        {
            self.problem(
                "defaultmentorprofile",
                format!(
                    "\"{profile}\" is not a subpage of pages.main (\"{}\")",
                    pages.main
                ),
            );
        }
        let greetings = self.greetings();
        let wiki = self.wiki();
        let db = self.db(source);
        let redis = self.redis();
        let scanner = self.scanner();
        let matcher = self.matcher();
        let notifier = self.notifier(wiki.as_ref().map(WikiConfig::bot_name));
        let report_page = self
            .lookup("report.page")
            .is_some()
            .then(|| self.title("report.page"));
        Some(Config {
            source: source.to_path_buf(),
            skills: skills?,
            general_category: general_category?,
            general_skill: general_skill?,
            optout_category: optout_category?,
            away_category: away_category.map_or(Some(None), |c| c.map(Some))?,
            maintainer_profile: maintainer_profile?,
            pages: pages?,
            greetings: greetings?,
            wiki: wiki?,
            db: db?,
            redis: redis?,
            scanner: scanner?,
            matcher: matcher?,
            notifier: notifier?,
            report_page: report_page.map_or(Some(None), |p| p.map(Some))?,
        })
    }

    fn unknown_keys(&mut self) {
        for (section, known) in OPTIONAL_SECTIONS {
            let Some(value) = self.root.get(section) else {
                continue;
            };
            let Some(map) = value.as_object() else {
                self.problem(section, "must be an object");
                continue;
            };
            for key in map.keys() {
                if !known.contains(&key.as_str()) {
                    self.problem(
                        &format!("{section}.{key}"),
                        format!("unknown setting (known: {})", known.join(", ")),
                    );
                }
            }
        }
    }

    fn pages(&mut self) -> Option<Pages> {
        let main = self.title("pages.main");
        let talk = self.title("pages.talk");
        Some(Pages {
            main: main?,
            talk: talk?,
        })
    }

    fn categories(
        &mut self,
    ) -> (
        Option<Vec<Skill>>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) {
        let general = self.category("categories.general");
        let optout = self.category("categories.optout");
        let names = self.strings("categories.skillslist");
        let requests = self.strings("categories.requestcategories");
        let mentors = self.strings("categories.mentorcategories");
        for (key, list) in [
            ("categories.requestcategories", &requests),
            ("categories.mentorcategories", &mentors),
        ] {
            for (i, title) in list.iter().flatten().enumerate() {
                if !title.starts_with("Category:") {
                    self.problem(
                        &format!("{key}[{i}]"),
                        format!("\"{title}\" must start with \"Category:\""),
                    );
                }
            }
        }
        if let Some(requests) = &requests {
            for (i, title) in requests.iter().enumerate() {
                if requests[..i].contains(title) {
                    self.problem(
                        &format!("categories.requestcategories[{i}]"),
                        format!("\"{title}\" is listed twice"),
                    );
                }
            }
        }
        let skills = match (&names, &requests, &mentors) {
            (Some(n), Some(r), Some(m)) if n.len() == r.len() && r.len() == m.len() => Some(
                n.iter()
                    .zip(r)
                    .zip(m)
                    .map(|((name, request), mentor)| Skill {
                        name: name.clone(),
                        request_category: request.clone(),
                        mentor_category: mentor.clone(),
                    })
                    .collect::<Vec<_>>(),
            ),
            (Some(n), Some(r), Some(m)) => {
                // The original zipped these silently, so the shipped sample (5 skills, 6
                // categories) lost every "Images and media" request (defect 10).
                self.problem(
                    "categories.skillslist",
                    format!(
                        "has {} entries but categories.requestcategories has {} and \
                         categories.mentorcategories has {}; the three lists pair up by \
                         position, so they must have the same length",
                        n.len(),
                        r.len(),
                        m.len()
                    ),
                );
                None
            }
            _ => None,
        };
        let general_skill = match (&skills, &general) {
            (Some(skills), Some(general)) => {
                let by_category = skills
                    .iter()
                    .find(|s| &s.mentor_category == general)
                    .map(|s| s.name.clone());
                let configured = self.opt_string("categories.generalskill");
                Some(
                    configured
                        .or(by_category)
                        .unwrap_or_else(|| "general editing skills".to_owned()),
                )
            }
            _ => None,
        };
        (skills, general, general_skill, optout)
    }

    fn greetings(&mut self) -> Option<Greetings> {
        let match_topic = self.string("greetings.matchtopic");
        let match_greeting = self.template("greetings.matchgreeting", &["mentor", "skill"]);
        let nomatch_topic = self.string("greetings.nomatchtopic");
        let nomatch_greeting = self.template("greetings.nomatchgreeting", &["maintainer"]);
        let noflow_template = self.template(
            "greetings.noflowtemplate",
            &["topic", "learner", "greeting"],
        );
        Some(Greetings {
            match_topic: match_topic?,
            match_greeting: match_greeting?,
            nomatch_topic: nomatch_topic?,
            nomatch_greeting: nomatch_greeting?,
            noflow_template: noflow_template?,
        })
    }

    fn wiki(&mut self) -> Option<WikiConfig> {
        let username = self.string("login.username");
        let auth = match self.opt_secret("wiki.oauth2_token", "MATCHBOT_WIKI_OAUTH2_TOKEN") {
            Some(token) => Some(WikiAuth::OAuth2(token)),
            None => self
                .secret("login.password", "MATCHBOT_WIKI_PASSWORD")
                .map(WikiAuth::BotPassword),
        };
        let protocol = self.string("login.protocol");
        let site = self.string("login.site");
        let user_agent = self.string("login.useragent");
        if let Some(ua) = &user_agent
            && let Err(why) = check_contact(ua)
        {
            self.problem("login.useragent", why);
        }
        let script_path = self
            .opt_string("wiki.scriptpath")
            .unwrap_or_else(|| "/w/".to_owned());
        let script_path_ok = script_path.starts_with('/') && script_path.ends_with('/');
        if !script_path_ok {
            self.problem(
                "wiki.scriptpath",
                format!(
                    "\"{script_path}\" must start and end with \"/\" (\"/w/\", or \"/\" for a wiki served at the root)"
                ),
            );
        }
        let protocol_ok = matches!(protocol.as_deref(), Some("http" | "https"));
        if let (Some(protocol), false) = (&protocol, protocol_ok) {
            self.problem(
                "login.protocol",
                format!("\"{protocol}\" must be \"http\" or \"https\""),
            );
        }
        let api_url = match (&protocol, &site) {
            // The site is judged only when the parts around it are right, so that one mistake
            // is reported once.
            (Some(protocol), Some(site)) if protocol_ok && script_path_ok => {
                let candidate = format!("{protocol}://{site}{script_path}api.php");
                match url::Url::parse(&candidate) {
                    Ok(u) if u.host_str().is_some() && !site.contains('/') => Some(candidate),
                    Ok(_) | Err(_) => {
                        self.problem(
                            "login.site",
                            format!(
                                "\"{site}\" is not a host name (with an optional port), like \"en.wikipedia.org\""
                            ),
                        );
                        None
                    }
                }
            }
            _ => None,
        };
        Some(WikiConfig {
            protocol: protocol?,
            site: site?,
            script_path,
            api_url: api_url?,
            username: username?,
            auth: auth?,
            user_agent: user_agent?,
        })
    }

    /// The database, and whose credentials. First found wins: MatchBot's variables, Toolforge's
    /// (`TOOL_TOOLSDB_*`), an option file named by `dbinfo.credentials_file`, the file's own
    /// `dbinfo.username`/`password`, and last a Toolforge `replica.my.cnf` in the tool's home.
    /// With ToolsDB credentials the host and database name have Toolforge's defaults, and a
    /// name ToolsDB would refuse is named as a problem.
    fn db(&mut self, source: &Path) -> Option<DbConfig> {
        let matchbot_user = self.env_first(&["MATCHBOT_DB_USER"]);
        let toolsdb_user = self.env_first(&["TOOL_TOOLSDB_USER"]);
        let env_password = self.env_first(&["MATCHBOT_DB_PASSWORD", "TOOL_TOOLSDB_PASSWORD"]);
        let from_env = matchbot_user.is_some() || toolsdb_user.is_some();
        let option_file = if from_env && env_password.is_some() {
            None
        } else {
            self.option_file(source)
        };
        let mut toolsdb = matchbot_user.is_none() && toolsdb_user.is_some();
        let user = match (matchbot_user.or(toolsdb_user), &option_file) {
            (Some(user), _) => Some(user),
            (None, Some(file)) => {
                toolsdb = true;
                Some(file.user.clone())
            }
            (None, None) => match self.lookup("dbinfo.username") {
                None => {
                    self.problem(
                        "dbinfo.username",
                        "is missing (or set MATCHBOT_DB_USER or TOOL_TOOLSDB_USER, or name a \
                         replica.my.cnf in dbinfo.credentials_file)",
                    );
                    None
                }
                Some(_) => self.string("dbinfo.username"),
            },
        };
        let password = match (env_password, option_file) {
            (Some(p), _) => Secret::new(p),
            (None, Some(file)) => file.password,
            // An empty password is legitimate (a local MariaDB's root), so not `opt_string`.
            (None, None) => match self.lookup("dbinfo.password") {
                None | Some(Value::String(_)) => Secret::new(
                    self.lookup("dbinfo.password")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                ),
                Some(other) => {
                    let kind = kind(other);
                    self.problem("dbinfo.password", format!("must be a string, not {kind}"));
                    Secret::default()
                }
            },
        };
        let host = match self.env_first(&["MATCHBOT_DB_HOST"]) {
            Some(host) => Some(host),
            None if toolsdb && self.lookup("dbinfo.host").is_none() => {
                Some(TOOLSDB_HOST.to_owned())
            }
            None => self.string("dbinfo.host"),
        };
        let name = match self.env_first(&["MATCHBOT_DB_NAME"]) {
            Some(name) => Some(name),
            None => match &user {
                Some(user) if toolsdb && self.lookup("dbinfo.dbname").is_none() => {
                    Some(format!("{user}{TOOLSDB_SEPARATOR}matchbot"))
                }
                _ => self.string("dbinfo.dbname"),
            },
        };
        if let (Some(host), Some(user), Some(name)) = (&host, &user, &name)
            && host == TOOLSDB_HOST
            && !name.starts_with(&format!("{user}{TOOLSDB_SEPARATOR}"))
        {
            self.problem(
                "dbinfo.dbname",
                format!(
                    "ToolsDB lets {user} use only databases named {user}__<name> (such as \
                     {user}__matchbot), not \"{name}\""
                ),
            );
        }
        let port = self.opt_u64("dbinfo.port").unwrap_or(3306);
        let port = match u16::try_from(port) {
            Ok(p) if p > 0 => Some(p),
            _ => {
                self.problem("dbinfo.port", format!("{port} is not a TCP port"));
                None
            }
        };
        Some(DbConfig {
            host: host?,
            port: port?,
            name: name?,
            user: user?,
            password,
        })
    }

    /// The credentials of an option file: the one `dbinfo.credentials_file` names (relative to
    /// the configuration's directory), or, when the file gives no `dbinfo.username`, a
    /// `replica.my.cnf` in `$TOOL_DATA_DIR` or `$HOME` (where Toolforge puts it).
    fn option_file(&mut self, source: &Path) -> Option<mycnf::Credentials> {
        const KEY: &str = "dbinfo.credentials_file";
        let (key, path) = match self.opt_string(KEY) {
            Some(named) => {
                let dir = source.parent().unwrap_or(Path::new("."));
                (KEY.to_owned(), dir.join(named))
            }
            None if self.lookup("dbinfo.username").is_none() => {
                let found = ["TOOL_DATA_DIR", "HOME"]
                    .iter()
                    .filter_map(|var| (self.env)(var).filter(|v| !v.is_empty()))
                    .map(|dir| PathBuf::from(dir).join("replica.my.cnf"))
                    .find(|path| path.is_file())?;
                ("replica.my.cnf".to_owned(), found)
            }
            None => return None,
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                self.problem(&key, format!("cannot read {}: {e}", path.display()));
                return None;
            }
        };
        match mycnf::parse(&text) {
            Ok(credentials) => Some(credentials),
            Err(what) => {
                self.problem(&key, format!("{} {what}", path.display()));
                None
            }
        }
    }

    fn redis(&mut self) -> Option<RedisConfig> {
        let url = (self.env)("MATCHBOT_REDIS_URL")
            .or_else(|| self.opt_string("redis.url"))
            .unwrap_or_else(|| "redis://127.0.0.1:6379/".to_owned());
        let prefix = (self.env)("MATCHBOT_REDIS_PREFIX")
            .or_else(|| self.opt_string("redis.prefix"))
            .unwrap_or_else(|| "matchbot:".to_owned());
        let url_ok = url::Url::parse(&url)
            .is_ok_and(|u| matches!(u.scheme(), "redis" | "rediss" | "redis+unix" | "unix"));
        if !url_ok {
            // The URL may carry a password: name the setting, never echo the value.
            self.problem(
                "redis.url",
                "is not a redis:// or rediss:// URL (the value is not shown: it may hold a password)",
            );
        }
        if prefix.is_empty() {
            self.problem(
                "redis.prefix",
                "must not be empty: every key MatchBot writes starts with it",
            );
        }
        let claim_idle = self
            .opt_seconds("redis.claim_idle_seconds")
            .unwrap_or(300.0);
        let max_deliveries = self.opt_u64("redis.max_deliveries").unwrap_or(5);
        let keep_handled = self
            .opt_seconds("redis.keep_handled_seconds")
            .unwrap_or(3600.0);
        if max_deliveries == 0 {
            self.problem(
                "redis.max_deliveries",
                "must be at least 1: an entry is delivered once before it can be handled",
            );
        }
        (url_ok && !prefix.is_empty() && max_deliveries > 0).then(|| RedisConfig {
            url: Secret::new(url),
            prefix: Secret::new(prefix),
            claim_idle: Duration::from_secs_f64(claim_idle),
            max_deliveries,
            keep_handled: Duration::from_secs_f64(keep_handled),
        })
    }

    fn scanner(&mut self) -> Option<ScannerConfig> {
        let poll = self.opt_seconds("scanner.poll_seconds").unwrap_or(5.0);
        let overlap = self.opt_seconds("scanner.overlap_seconds").unwrap_or(120.0);
        let reconcile = self
            .opt_seconds("scanner.reconcile_seconds")
            .unwrap_or(3600.0);
        let since = self
            .opt_string("scanner.since")
            .and_then(|s| match Timestamp::parse(&s) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.problem("scanner.since", e);
                    None
                }
            });
        Some(ScannerConfig {
            poll_interval: Duration::from_secs_f64(poll),
            since,
            overlap: Duration::from_secs_f64(overlap),
            reconcile_interval: Duration::from_secs_f64(reconcile),
        })
    }

    /// `bot` is the account name, for the default run page (`None` when the login is unusable).
    fn notifier(&mut self, bot: Option<&str>) -> Option<NotifierConfig> {
        let summary_suffix = self
            .opt_string("notifier.summary_suffix")
            .unwrap_or_default();
        let run_page = match self.opt_string("notifier.run_page") {
            Some(page) => Some(page),
            None => bot.map(|bot| format!("User:{bot}/Run")),
        };
        let run_page_check = self
            .opt_seconds("notifier.run_page_check_seconds")
            .unwrap_or(60.0);
        let edit_interval = self
            .opt_seconds_or_zero("notifier.edit_interval_seconds")
            .unwrap_or(10.0);
        let missing_talk_page = match self.opt_string("notifier.missing_talk_page").as_deref() {
            None | Some("wikitext") => MissingTalkPage::Wikitext,
            Some("flow") => MissingTalkPage::Flow,
            Some(other) => {
                self.problem(
                    "notifier.missing_talk_page",
                    format!("\"{other}\" must be \"wikitext\" or \"flow\""),
                );
                MissingTalkPage::Wikitext
            }
        };
        Some(NotifierConfig {
            summary_suffix,
            run_page: run_page?,
            run_page_check: Duration::from_secs_f64(run_page_check),
            edit_interval: Duration::from_secs_f64(edit_interval),
            missing_talk_page,
        })
    }

    fn matcher(&mut self) -> Option<MatcherConfig> {
        let defaults = MatcherConfig::default();
        let selection = match self.opt_string("matcher.selection").as_deref() {
            None => defaults.selection,
            Some("least-loaded") => Selection::LeastLoaded,
            Some("uniform") => Selection::Uniform,
            Some(other) => {
                self.problem(
                    "matcher.selection",
                    format!("\"{other}\" must be \"least-loaded\" or \"uniform\""),
                );
                defaults.selection
            }
        };
        let load_days = self
            .opt_days("matcher.load_days")
            .unwrap_or(defaults.load_days);
        let max_active = self.opt_u32("matcher.max_active");
        let active_within_days = self.opt_days("matcher.active_within_days");
        let mentors = self.mentor_settings();
        Some(MatcherConfig {
            seed: self.opt_u64("matcher.seed").unwrap_or(0),
            selection,
            load_days,
            max_active,
            active_within_days,
            mentors,
        })
    }

    /// `matcher.mentors`: `{ "<user name>": { "weight": 2, "max_active": 3 } }`.
    fn mentor_settings(&mut self) -> BTreeMap<String, MentorSettings> {
        let mut settings = BTreeMap::new();
        let Some(value) = self.lookup("matcher.mentors") else {
            return settings;
        };
        let Some(map) = value.as_object().cloned() else {
            self.problem(
                "matcher.mentors",
                format!(
                    "must be an object of mentors by user name, not {}",
                    kind(value)
                ),
            );
            return settings;
        };
        for (name, entry) in map {
            let key = format!("matcher.mentors.{name}");
            let Some(fields) = entry.as_object() else {
                self.problem(&key, format!("must be an object, not {}", kind(&entry)));
                continue;
            };
            for field in fields.keys() {
                if !matches!(field.as_str(), "weight" | "max_active") {
                    self.problem(
                        &format!("{key}.{field}"),
                        "unknown setting (known: weight, max_active)",
                    );
                }
            }
            let defaults = MentorSettings::default();
            settings.insert(
                name,
                MentorSettings {
                    weight: self
                        .opt_u32(&format!("{key}.weight"))
                        .unwrap_or(defaults.weight),
                    max_active: self.opt_u32(&format!("{key}.max_active")),
                },
            );
        }
        settings
    }

    // --- typed getters: each notes its own problem and returns None ---

    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_owned(),
            message: message.into(),
        });
    }

    fn lookup(&self, key: &str) -> Option<&Value> {
        key.split('.').try_fold(self.root, |v, part| v.get(part))
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.lookup(key) {
            None => {
                self.problem(key, "is missing");
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.problem(key, "is empty");
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.problem(key, format!("must be a string, not {}", kind(other)));
                None
            }
        }
    }

    fn opt_string(&mut self, key: &str) -> Option<String> {
        self.lookup(key)?;
        self.string(key)
    }

    fn secret(&mut self, key: &str, env: &str) -> Option<Secret> {
        if let Some(value) = (self.env)(env).filter(|v| !v.is_empty()) {
            return Some(Secret::new(value));
        }
        match self.lookup(key) {
            None => {
                self.problem(key, format!("is missing (or set {env})"));
                None
            }
            Some(Value::String(s)) => Some(Secret::new(s.clone())),
            Some(other) => {
                self.problem(key, format!("must be a string, not {}", kind(other)));
                None
            }
        }
    }

    /// A secret that may be absent: `None` without a problem when neither is set.
    fn opt_secret(&mut self, key: &str, env: &str) -> Option<Secret> {
        let given = (self.env)(env).filter(|v| !v.is_empty()).is_some()
            || self.lookup(key).is_some_and(|v| !v.is_null());
        if given { self.secret(key, env) } else { None }
    }

    fn env_first(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .find_map(|n| (self.env)(n).filter(|v| !v.is_empty()))
    }

    fn title(&mut self, key: &str) -> Option<String> {
        let title = self.string(key)?;
        if title.ends_with('/') {
            self.problem(
                key,
                format!("\"{title}\" must not end with \"/\": profiles are its subpages"),
            );
            return None;
        }
        Some(title)
    }

    fn category(&mut self, key: &str) -> Option<String> {
        let title = self.string(key)?;
        if !title.starts_with("Category:") {
            self.problem(key, format!("\"{title}\" must start with \"Category:\""));
            return None;
        }
        Some(title)
    }

    fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        let list = match self.lookup(key) {
            None => {
                self.problem(key, "is missing");
                return None;
            }
            Some(Value::Array(list)) if list.is_empty() => {
                self.problem(key, "is an empty list");
                return None;
            }
            Some(Value::Array(list)) => list.clone(),
            Some(other) => {
                self.problem(
                    key,
                    format!("must be a list of strings, not {}", kind(other)),
                );
                return None;
            }
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
                Value::String(_) => self.problem(&format!("{key}[{i}]"), "is empty"),
                other => self.problem(
                    &format!("{key}[{i}]"),
                    format!("must be a string, not {}", kind(other)),
                ),
            }
        }
        (out.len() == list.len()).then_some(out)
    }

    /// A greeting template that must use exactly the placeholders `{0}`..`{n-1}`.
    fn template(&mut self, key: &str, meanings: &[&str]) -> Option<String> {
        let text = self.string(key)?;
        let used = placeholders(&text);
        let mut ok = true;
        for (i, meaning) in meanings.iter().enumerate() {
            if !used.contains(&i) {
                self.problem(key, format!("lacks the placeholder {{{i}}} ({meaning})"));
                ok = false;
            }
        }
        for i in used.iter().filter(|&&i| i >= meanings.len()) {
            self.problem(
                key,
                format!(
                    "uses {{{i}}}, but only {} exist here",
                    meanings
                        .iter()
                        .enumerate()
                        .map(|(i, m)| format!("{{{i}}} ({m})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            ok = false;
        }
        ok.then_some(text)
    }

    fn opt_u64(&mut self, key: &str) -> Option<u64> {
        match self.lookup(key)? {
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            other => {
                self.problem(
                    key,
                    format!("must be a whole number of at least 0, not {}", kind(other)),
                );
                None
            }
        }
    }

    fn opt_u32(&mut self, key: &str) -> Option<u32> {
        let n = self.opt_u64(key)?;
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(key, format!("{n} is too large"));
                None
            }
        }
    }

    /// A number of days, at least 1 and at most about 27 years.
    fn opt_days(&mut self, key: &str) -> Option<u32> {
        let days = self.opt_u32(key)?;
        if (1..=10_000).contains(&days) {
            Some(days)
        } else {
            self.problem(
                key,
                format!("must be a number of days from 1 to 10000, not {days}"),
            );
            None
        }
    }

    /// A duration in seconds, above 0.
    fn opt_seconds(&mut self, key: &str) -> Option<f64> {
        self.seconds(key, false)
    }

    /// A duration in seconds where 0 means "no wait" (for tests).
    fn opt_seconds_or_zero(&mut self, key: &str) -> Option<f64> {
        self.seconds(key, true)
    }

    fn seconds(&mut self, key: &str, zero_allowed: bool) -> Option<f64> {
        let value = self.lookup(key)?;
        let ok = value
            .as_f64()
            .filter(|s| *s < 1e9 && (*s > 0.0 || (zero_allowed && *s == 0.0)));
        if ok.is_none() {
            let expected = if zero_allowed {
                "a number of seconds, 0 or more"
            } else {
                "a number of seconds above 0"
            };
            let message = format!("must be {expected}, not {}", kind(value));
            self.problem(key, message);
        }
        ok
    }
}

/// Wikimedia's User-Agent policy asks for a way to reach whoever runs the bot: an email
/// address, a URL or a user page. The original's sample placeholders do not count.
fn check_contact(user_agent: &str) -> Result<(), String> {
    if let Some(placeholder) = ["YOURNAME", "YOUREMAIL"]
        .iter()
        .find(|p| user_agent.contains(*p))
    {
        return Err(format!(
            "still holds the sample's placeholder {placeholder}: say who runs the bot and how to reach them"
        ));
    }
    let words = user_agent.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'));
    let contact = words.clone().any(|w| {
        let email = w
            .split_once('@')
            .is_some_and(|(name, host)| !name.is_empty() && !host.is_empty());
        email || w.starts_with("https://") || w.starts_with("http://")
    }) || user_agent.contains("User:")
        || user_agent.contains("User talk:");
    if contact {
        Ok(())
    } else {
        Err(format!(
            "\"{user_agent}\" gives no contact: add an email address, a URL or a User: page, as Wikimedia's User-Agent policy asks"
        ))
    }
}

fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}
