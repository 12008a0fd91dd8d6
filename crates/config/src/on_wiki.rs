//! The on-wiki settings page: what a Co-op's maintainers may change without shell access.
//!
//! `settings.page` (file-only) names a JSON page on the wiki, e.g. `User:MatchBot/config.json`.
//! The page may hold the sections [`ON_WIKI`] names — the greetings, the categories, the
//! matching, the lifecycle and the gates on who may be matched — and is applied as a JSON merge patch (RFC 7386) over
//! the file's: an object merges key by key, any other value replaces the file's, and `null`
//! removes it. Everything else (the wiki's address and login, the database, Redis, the
//! workers' own settings, where profiles live, these page titles) is file- or
//! environment-only: a page that sets it is refused, naming the key, so nobody who can edit a
//! wiki page can point the bot at another wiki or read its secrets.
//!
//! The merged sections go through the same readers as the file, so a page gets the same checks
//! and the same messages; each problem also gives the line of the page it is on, when the key
//! is there, for the maintainer reading the error log.

use serde_json::{Map, Value};

use crate::categories;
use crate::config::Config;
use crate::gates;
use crate::greetings;
use crate::lifecycle;
use crate::matcher;
use crate::problem::Problem;
use crate::reader::Reader;
use crate::settings::ON_WIKI;

/// The largest settings page read: MediaWiki's default largest page.
pub const PAGE_BYTES: usize = 2 << 20;

/// Why a revision of the settings page was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// Larger than any settings page needs; not read.
    #[error("{page} revision {revision} is {bytes} bytes long; at most {PAGE_BYTES} are read")]
    TooLarge {
        /// The page.
        page: String,
        /// The revision.
        revision: u64,
        /// Its length.
        bytes: usize,
    },
    /// Not JSON.
    #[error(
        "{page} revision {revision} is not valid JSON: line {line}, column {column}: {message}"
    )]
    Json {
        /// The page.
        page: String,
        /// The revision.
        revision: u64,
        /// Where parsing stopped.
        line: usize,
        /// Where parsing stopped.
        column: usize,
        /// Why.
        message: String,
    },
    /// JSON, but some settings are wrong or may not be set on the wiki; all are listed.
    #[error("{page} revision {revision} has {} problem{}:{}", problems.len(),
        if problems.len() == 1 { "" } else { "s" }, Lines(problems))]
    Invalid {
        /// The page.
        page: String,
        /// The revision.
        revision: u64,
        /// Every problem found.
        problems: Vec<PageProblem>,
    },
}

impl PageError {
    /// Each problem on a line of its own, for the error log.
    pub fn problems(&self) -> Vec<String> {
        match self {
            PageError::Invalid { problems, .. } => problems.iter().map(|p| p.to_string()).collect(),
            PageError::Json {
                line,
                column,
                message,
                ..
            } => vec![format!(
                "line {line}, column {column}: not valid JSON: {message}"
            )],
            other => vec![other.to_string()],
        }
    }
}

/// One problem with a settings page, with the line its key is on when the page holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageProblem {
    /// The line (from 1) of the key on the page; `None` when the key is not on the page (the
    /// problem comes from how the page and the file combine).
    pub line: Option<usize>,
    /// The problem, as the file would have it.
    pub problem: Problem,
}

impl std::fmt::Display for PageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

struct Lines<'a>(&'a [PageProblem]);

impl std::fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl Config {
    /// This configuration with revision `revision` of the settings page applied over the
    /// file's sections, checked as the file is; the revision is named in the result's
    /// `settings_revision`.
    pub fn with_settings_page(&self, text: &str, revision: u64) -> Result<Config, PageError> {
        let page = self
            .settings_page
            .clone()
            .unwrap_or_else(|| "the settings page".to_owned());
        if text.len() > PAGE_BYTES {
            let bytes = text.len();
            return Err(PageError::TooLarge {
                page,
                revision,
                bytes,
            });
        }
        let patch: Value = serde_json::from_str(text).map_err(|e| PageError::Json {
            page: page.clone(),
            revision,
            line: e.line(),
            column: e.column(),
            message: without_position(&e),
        })?;
        let mut problems = Vec::new();
        let mut merged = Value::Object((*self.file_sections).clone());
        match &patch {
            Value::Object(sections) => {
                for (name, value) in sections {
                    if ON_WIKI.contains(&name.as_str()) {
                        merge(&mut merged[name.as_str()], value);
                    } else {
                        problems.push(Problem {
                            key: name.clone(),
                            message: format!(
                                "may not be set on the wiki (a settings page may set {})",
                                ON_WIKI.join(", ")
                            ),
                        });
                    }
                }
            }
            _ => problems.push(Problem {
                key: "(top level)".to_owned(),
                message: "must be a JSON object".to_owned(),
            }),
        }
        if let Value::Object(m) = &mut merged {
            m.retain(|_, v| !v.is_null());
        }
        let no_env = |_: &str| None;
        let mut r = Reader::new(&merged, &no_env);
        let read = Sections::read(&mut r);
        r.unknown_keys();
        problems.extend(r.problems);
        match read {
            Some(sections) if problems.is_empty() => Ok(sections.over(self, revision)),
            _ => Err(PageError::Invalid {
                page,
                revision,
                problems: problems
                    .into_iter()
                    .map(|problem| PageProblem {
                        line: line_of(text, &problem.key),
                        problem,
                    })
                    .collect(),
            }),
        }
    }
}

/// What a page can change, read from the merged sections.
struct Sections {
    categories: categories::Categories,
    greetings: greetings::Greetings,
    matcher: matcher::MatcherConfig,
    lifecycle: Option<lifecycle::LifecycleConfig>,
    gates: gates::GatesConfig,
}

impl Sections {
    fn read(r: &mut Reader) -> Option<Sections> {
        let categories = categories::read(r);
        let greetings = greetings::read(r);
        let matcher = matcher::read(r);
        let lifecycle = lifecycle::read(r);
        let gates = gates::read(r);
        Some(Sections {
            gates: gates?,
            categories: categories?,
            greetings: greetings?,
            matcher: matcher?,
            lifecycle: lifecycle?,
        })
    }

    fn over(self, file: &Config, revision: u64) -> Config {
        let c = self.categories;
        Config {
            skills: c.skills,
            general_category: c.general,
            general_skill: c.general_skill,
            optout_category: c.optout,
            away_category: c.away,
            mentor_settings_category: c.mentor_settings,
            greetings: self.greetings,
            matcher: self.matcher,
            lifecycle: self.lifecycle,
            gates: self.gates,
            settings_revision: Some(revision),
            ..file.clone()
        }
    }
}

/// RFC 7386: `patch` merged into `target`.
pub(crate) fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (key, value) in fields {
                    if value.is_null() {
                        t.remove(key);
                    } else {
                        merge(t.entry(key.clone()).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// serde_json's message without its " at line L column C" (said separately).
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The line (from 1) where `key` (`section.name.inner`, maybe ending in `[i]`) is written in
/// `text`: each part looked for as a JSON key after the one before it. Bounded by the page's
/// length times the key's depth.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    for part in key.split('.') {
        let name = part.split('[').next().unwrap_or(part);
        let quoted = serde_json::to_string(name).ok()?;
        from += text.get(from..)?.find(&quoted)?;
        from += quoted.len();
    }
    let before = text.get(..from)?;
    Some(before.matches('\n').count() + 1)
}
