//! MatchBot's configuration: the original bot's `config.json`, validated, and its new sections.
//!
//! # Brief overview
//!
//! [`Config`] is built by [`Config::load`] from the original bot's `config.json` (its keys work
//! unchanged) plus optional new sections, and from `MATCHBOT_*` environment variables. Loading
//! collects *every* problem before giving up, so an operator fixes a file in one pass: see
//! [`ConfigError`]. A key no section reads is a problem too, so a typo is never silently
//! replaced by a default.
//!
//! The types that travel between the workers are not here but in `matchbot-model`; this crate
//! depends on it (for timestamps and the matcher's [`matchbot_model::Selection`]), never the
//! other way round.
//!
//! # Layout
//!
//! - `config`: the whole [`Config`], and reading a file into it.
//! - `problem`: why a configuration was refused.
//! - `programmes`: many wikis from one deployment, each read like a file of one wiki.
//! - `reader`: the walk over the JSON: typed getters that note problems, and the keys read.
//! - one module per section, each holding its settings, their defaults and their checks:
//!   `pages`, `categories`, `greetings`, `wiki` (with `login`), `db` (`dbinfo`, with `mycnf`
//!   for a `replica.my.cnf`), `redis`, `scanner` (with `push`), `matcher`, `notifier`, `lifecycle`, `gates`
//!   (who may be matched), `errors` (with `do_not_contact`).
//! - `settings`: where the settings page is and which sections it may set; `on_wiki`:
//!   applying a revision of it over the file's.
//! - `template`: the original's `{0}`-style placeholders, rendered without touching `{{templates}}`.
#![deny(missing_docs)]

mod categories;
mod config;
mod db;
mod errors;
mod gates;
mod greetings;
mod keys;
mod lifecycle;
mod limits;
mod matcher;
mod mycnf;
mod notifier;
mod numbers;
mod on_wiki;
mod pages;
mod problem;
mod programmes;
mod push;
mod reader;
mod redis;
mod scanner;
mod settings;
mod signing;
mod template;
mod wiki;

pub use categories::Skill;
pub use config::Config;
pub use db::DbConfig;
pub use errors::{DoNotContactConfig, ErrorsConfig, MAX_KEEP as MAX_ERRORS_KEPT};
pub use gates::GatesConfig;
pub use greetings::Greetings;
pub use lifecycle::{LifecycleConfig, LifecycleMessages};
pub use matcher::{MatcherConfig, MentorSettings};
pub use notifier::{MissingTalkPage, NotifierConfig};
pub use on_wiki::{PAGE_BYTES, PageError, PageProblem};
pub use pages::Pages;
pub use problem::{ConfigError, Problem};
pub use programmes::{DEFAULT_PROGRAMME, Deployment, MAX_PROGRAMMES};
pub use push::{Feed, PushConfig};
pub use redis::RedisConfig;
pub use scanner::ScannerConfig;
pub use settings::ON_WIKI;
pub use signing::{KEY_FILE, MIN_KEY_LEN, SigningKeys};
pub use template::{placeholders, render};
pub use wiki::{WikiAuth, WikiConfig};
