//! Many wikis from one deployment: the optional `programmes` section.
//!
//! A configuration of one wiki (the original's `config.json`) is one programme, named
//! [`DEFAULT_PROGRAMME`]. With `programmes`, each entry is a programme of its own — its wiki,
//! login, categories, pages, greetings, run page, etiquette and report page — and the top-level
//! sections are what every programme starts from: a programme's own object is merged over them
//! (objects key by key, anything else replaced). `dbinfo` and `redis` are shared and belong at
//! the top level only.
//!
//! Each programme is read by the same section readers as a file of one wiki, so it is checked
//! as strictly; a problem is named under `programmes.NAME` when the programme's own object holds
//! (or lacks) the key, and once at the top level when the shared part is at fault.
//!
//! Isolation: a named programme's Redis keys live under `<prefix><name>:` and its name is signed
//! into every value its workers write (see [`RedisConfig::scope`](crate::RedisConfig::scope)),
//! so nothing one programme writes is read as another's. The programme named `default` keeps
//! the keys and signatures of a file of one wiki, so a deployment that grows from one wiki to
//! several names its first programme `default` and loses nothing in flight.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::config::{self, Config};
use crate::on_wiki::merge;
use crate::problem::{ConfigError, Problem};
use crate::reader::Reader;
use matchbot_secret::Secret;

pub use matchbot_model::DEFAULT_PROGRAMME;

/// The most programmes one deployment serves; beyond it the file is refused rather than read.
pub const MAX_PROGRAMMES: usize = 1000;

/// The longest programme name: it is part of Redis keys, request ids and a database column.
pub const MAX_NAME: usize = 32;

/// The sections every programme shares, set at the top level only.
const SHARED: [&str; 2] = ["dbinfo", "redis"];

/// Every programme of one configuration, in file order.
#[derive(Debug, Clone)]
pub struct Deployment {
    programmes: Vec<Config>,
}

impl Deployment {
    /// Loads `path` (a file, or a directory holding `config.json`) with the process environment.
    pub fn load(path: &Path) -> Result<Deployment, ConfigError> {
        Deployment::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// Loads `path` with `env` standing in for the process environment.
    pub fn load_with_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Deployment, ConfigError> {
        let path = config::file_of(path)?;
        let text = config::read_bounded(&path)?;
        Deployment::from_json(&text, &path, env)
    }

    /// Builds the deployment from the text of a `config.json`; `source` names it in messages.
    pub fn from_json(
        text: &str,
        source: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Deployment, ConfigError> {
        let root = config::parse(text, source)?;
        let Some(list) = root.get("programmes") else {
            let mut r = Reader::new(&root, &env);
            let one = config::read(&mut r, source, &root);
            return config::settled(r, one, source).map(|one| Deployment {
                programmes: vec![one],
            });
        };
        let mut problems = Problems::default();
        let programmes = read_all(list, &root, source, &env, &mut problems);
        if problems.list.is_empty() {
            Ok(Deployment { programmes })
        } else {
            Err(ConfigError::Invalid {
                path: source.to_path_buf(),
                problems: problems.list,
            })
        }
    }

    /// The programmes, in file order.
    pub fn programmes(&self) -> &[Config] {
        &self.programmes
    }

    /// The programmes' names, in file order.
    pub fn names(&self) -> Vec<&str> {
        self.programmes
            .iter()
            .map(|p| p.programme.as_str())
            .collect()
    }

    /// The programmes `only` names, or all of them; an unknown name is an error naming the
    /// known ones.
    pub fn select(self, only: Option<&str>) -> Result<Vec<Config>, ConfigError> {
        let Some(name) = only else {
            return Ok(self.programmes);
        };
        let source = self.source();
        let names = self.names().join(", ");
        let chosen: Vec<Config> = self
            .programmes
            .into_iter()
            .filter(|p| p.programme == name)
            .collect();
        if chosen.is_empty() {
            return Err(ConfigError::NoSuchProgramme {
                path: source,
                name: name.to_owned(),
                names,
            });
        }
        Ok(chosen)
    }

    /// The one programme `only` names, or the only one there is.
    pub fn one(self, only: Option<&str>) -> Result<Config, ConfigError> {
        let source = self.source();
        let mut chosen = self.select(only)?;
        if chosen.len() == 1 {
            return Ok(chosen.remove(0));
        }
        Err(ConfigError::ManyProgrammes {
            path: source,
            names: chosen
                .iter()
                .map(|p| p.programme.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    fn source(&self) -> PathBuf {
        self.programmes
            .first()
            .map(|p| p.source.clone())
            .unwrap_or_default()
    }
}

/// Problems of every programme, each said once.
#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    seen: BTreeSet<(String, String)>,
}

impl Problems {
    fn add(&mut self, key: String, message: String) {
        if self.seen.insert((key.clone(), message.clone())) {
            self.list.push(Problem { key, message });
        }
    }
}

fn read_all(
    list: &Value,
    root: &Value,
    source: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Problems,
) -> Vec<Config> {
    let Value::Object(list) = list else {
        problems.add(
            "programmes".into(),
            "must be an object naming each programme: {\"enwiki\": {…}, \"dewiki\": {…}}".into(),
        );
        return Vec::new();
    };
    if list.is_empty() {
        problems.add(
            "programmes".into(),
            "must name at least one programme".into(),
        );
    }
    if list.len() > MAX_PROGRAMMES {
        problems.add(
            "programmes".into(),
            format!(
                "names {} programmes; one deployment serves at most {MAX_PROGRAMMES}",
                list.len()
            ),
        );
        return Vec::new();
    }
    let mut shared = root.clone();
    if let Value::Object(fields) = &mut shared {
        fields.remove("programmes");
    }
    list.iter()
        .filter_map(|(name, own)| read_one(name, own, &shared, source, env, problems))
        .collect()
}

/// One programme: its own object merged over the shared sections, read like a whole file.
fn read_one(
    name: &str,
    own: &Value,
    shared: &Value,
    source: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Problems,
) -> Option<Config> {
    let here = format!("programmes.{name}");
    if let Err(why) = check_name(name) {
        problems.add(here, why);
        return None;
    }
    let Value::Object(fields) = own else {
        problems.add(
            here,
            "must be an object of the programme's own sections".into(),
        );
        return None;
    };
    let mut own = Map::new();
    for (key, value) in fields {
        if SHARED.contains(&key.as_str()) {
            problems.add(
                format!("{here}.{key}"),
                "is shared by every programme: set it at the top level".into(),
            );
        } else {
            own.insert(key.clone(), value.clone());
        }
    }
    let own = Value::Object(own);
    let mut merged = shared.clone();
    merge(&mut merged, &own);
    let suffix = env_suffix(name);
    let env = |var: &str| env(&format!("{var}__{suffix}")).or_else(|| env(var));
    let mut r = Reader::new(&merged, &env);
    let config = config::read(&mut r, source, &merged);
    let clean = r.problems.is_empty();
    for problem in std::mem::take(&mut r.problems) {
        let key = if problem.key.starts_with("MATCHBOT_") {
            format!("{} (programme {name})", problem.key)
        } else if has_path(&own, &problem.key) || !has_path(shared, &problem.key) {
            format!("{here}.{}", problem.key)
        } else {
            problem.key
        };
        problems.add(key, problem.message);
    }
    let mut config = config.filter(|_| clean)?;
    config.programme = name.to_owned();
    if name != DEFAULT_PROGRAMME {
        let prefix = format!("{}{name}:", config.redis.prefix.expose());
        config.redis.prefix = Secret::new(prefix);
        config.redis.scope = Some(name.to_owned());
    }
    Some(config)
}

/// A programme name is part of Redis keys, request ids and rows: short, lower-case letters,
/// digits, `-` and `_`, starting with a letter.
fn check_name(name: &str) -> Result<(), String> {
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !starts_with_letter || !plain || name.len() > MAX_NAME {
        return Err(format!(
            "is not a programme name: use 1 to {MAX_NAME} lower-case letters, digits, '-' and '_', \
             starting with a letter (e.g. \"enwiki\")"
        ));
    }
    Ok(())
}

/// What a programme's own environment variables end with: `MATCHBOT_WIKI_PASSWORD__ENWIKI`.
fn env_suffix(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

/// True when `value` holds the dotted `key` (`categories.skillslist[2]` looks up the list).
fn has_path(value: &Value, key: &str) -> bool {
    key.split('.')
        .map(|part| part.split_once('[').map_or(part, |(name, _)| name))
        .try_fold(value, |v, part| v.get(part))
        .is_some()
}

/// A file of one wiki (or a deployment asked for its only programme) read as a [`Config`].
impl Config {
    /// Loads `path` (a file, or a directory holding `config.json`) with the process
    /// environment: its one programme (see [`Deployment`] for a file that
    /// holds several).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// Loads `path` with `env` standing in for the process environment.
    pub fn load_with_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        Deployment::load_with_env(path, env)?.one(None)
    }

    /// Builds a configuration from the text of a `config.json`; `source` names it in messages.
    pub fn from_json(
        text: &str,
        source: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        Deployment::from_json(text, source, env)?.one(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_plain_and_start_with_a_letter() {
        assert!(check_name("enwiki").is_ok());
        assert!(check_name("co-op_test2").is_ok());
        for bad in ["", "EnWiki", "2wiki", "en wiki", "en:wiki", &"a".repeat(33)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_programmes_variables_end_with_its_name() {
        assert_eq!(env_suffix("co-op-en"), "CO_OP_EN");
    }

    #[test]
    fn paths_with_positions_look_up_their_list() {
        let v: Value = serde_json::json!({"categories": {"skillslist": ["a"]}});
        assert!(has_path(&v, "categories.skillslist[0]"));
        assert!(!has_path(&v, "categories.general"));
    }
}
