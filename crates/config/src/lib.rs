//! MatchBot's configuration and the domain types every stage shares.
//!
//! # Brief overview
//!
//! [`Config`] is built by [`Config::load`] from the original bot's `config.json` (its keys work
//! unchanged) plus optional new sections, and from `MATCHBOT_*` environment variables. Loading
//! collects *every* problem before giving up, so an operator fixes a file in one pass: see
//! [`ConfigError`].
//!
//! The domain types travel on the streams between the workers: a [`Request`] (scanner → matcher),
//! a [`Decision`] (matcher → notifier) and an [`Outcome`] (notifier → recorder), each keyed by a
//! stable [`RequestId`].
//!
//! # Layout
//!
//! - `config`: the validated [`Config`] and its sections.
//! - `load`: reading the JSON file and the environment, collecting problems.
//! - `domain`: requests, decisions, outcomes, mentors and the mentor pool.
//! - `explanation`: why a decision went the way it did.
//! - `template`: the original's `{0}`-style placeholders, rendered without touching `{{templates}}`.
//! - `secret`: a string that never prints.
#![deny(missing_docs)]

mod config;
mod domain;
mod explanation;
mod load;
mod mycnf;
mod secret;
mod template;

pub use config::{
    Config, DbConfig, Greetings, MatcherConfig, MentorSettings, MissingTalkPage, NotifierConfig,
    Pages, RedisConfig, ScannerConfig, Selection, Skill, WikiAuth, WikiConfig,
};
pub use domain::{
    Away, Decision, Level, Mentor, MentorPool, Outcome, OutcomeKind, PageRef, Request, RequestId,
    Timestamp, User,
};
pub use explanation::{Candidate, Excluded, Explanation, LevelReport, Reason};
pub use load::{ConfigError, Problem};
pub use secret::Secret;
pub use template::{placeholders, render};
