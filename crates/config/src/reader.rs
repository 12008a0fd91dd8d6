//! The walk over `config.json`: typed getters that note a problem and go on, and the record of
//! which keys were read, so that a key nothing reads is reported rather than ignored.
//!
//! Every section's reader asks for its keys through a [`Reader`]. A getter that finds a key
//! missing or wrong notes a [`Problem`] naming it and returns `None`, and the walk goes on, so
//! one run names everything that is wrong. Each key asked for is noted, found or not; at the
//! end [`Reader::unknown_keys`] names every key in the file that no section asked for (a typo
//! in an optional key would otherwise be ignored and its default used), with the keys its
//! section does read. No list of known keys is kept by hand: the readers are the list.

use std::cell::RefCell;

use serde_json::Value;

use crate::keys::Consulted;
use crate::limits::{self, Limit};
use crate::problem::Problem;
use crate::template::placeholders;
use matchbot_secret::Secret;

/// Reads one `config.json` and the environment, collecting problems.
pub(crate) struct Reader<'a> {
    root: &'a Value,
    pub(crate) problems: Vec<Problem>,
    env: &'a dyn Fn(&str) -> Option<String>,
    consulted: RefCell<Consulted>,
    /// Sections found not to be objects: what is below them is not named again.
    broken: Vec<String>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(root: &'a Value, env: &'a dyn Fn(&str) -> Option<String>) -> Reader<'a> {
        Reader {
            root,
            problems: Vec::new(),
            env,
            consulted: RefCell::new(Consulted::default()),
            broken: Vec::new(),
        }
    }

    /// True when the file is a JSON object, as every configuration is.
    pub(crate) fn root_is_object(&self) -> bool {
        self.root.is_object()
    }

    /// The environment variable `name`, if set.
    pub(crate) fn env(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }

    /// Notes that `key` is a setting MatchBot reads, for a key a section does not read in
    /// every case (one an environment variable overrides, or that another setting replaces).
    pub(crate) fn known(&self, key: &str) {
        self.consulted.borrow_mut().note(key);
    }

    /// An optional section: it may be absent, but if present it must be an object.
    pub(crate) fn section(&mut self, name: &str) {
        if let Some(value) = self.lookup(name)
            && !value.is_object()
        {
            self.problem(name, "must be an object");
            self.broken.push(name.to_owned());
        }
    }

    /// A section of the original's that must be there: when it is missing or not an object,
    /// that is the one problem named, not each key it lacks.
    pub(crate) fn required_section(&mut self, name: &str) {
        if self.lookup(name).is_none() {
            self.problem(name, "is missing");
            self.broken.push(name.to_owned());
        } else {
            self.section(name);
        }
    }

    /// Notes a problem for every key of the file that no reader asked for.
    pub(crate) fn unknown_keys(&mut self) {
        let unknown = self.consulted.borrow().unknown(self.root);
        for (key, known) in unknown {
            self.problem(
                &key,
                format!("unknown setting (known: {})", known.join(", ")),
            );
        }
    }

    /// Like [`Reader::unknown_keys`], for the keys below `section` only.
    pub(crate) fn unknown_keys_below(&mut self, section: &str) {
        let Some(value) = self.root.get(section) else {
            return;
        };
        let unknown = self.consulted.borrow().unknown_below(value, section);
        for (key, known) in unknown {
            self.problem(
                &key,
                format!("unknown setting (known: {})", known.join(", ")),
            );
        }
    }

    pub(crate) fn problem(&mut self, key: &str, message: impl Into<String>) {
        let below_broken = self.broken.iter().any(|section| {
            key.strip_prefix(section.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        });
        if below_broken {
            return;
        }
        self.problems.push(Problem {
            key: key.to_owned(),
            message: message.into(),
        });
    }

    /// The value at `key` (`section.name`, dotted), noting that the key is one MatchBot reads.
    pub(crate) fn lookup(&self, key: &str) -> Option<&'a Value> {
        self.known(key);
        key.split('.').try_fold(self.root, |v, part| v.get(part))
    }

    pub(crate) fn string(&mut self, key: &str) -> Option<String> {
        self.text(key, limits::TEXT)
    }

    /// A string of at most `limit` bytes, not blank.
    pub(crate) fn text(&mut self, key: &str, limit: Limit) -> Option<String> {
        match self.lookup(key) {
            None => {
                self.problem(key, "is missing");
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.problem(key, "is empty");
                None
            }
            Some(Value::String(s)) => self.within(key, s, limit).then(|| s.clone()),
            Some(other) => {
                self.problem(key, format!("must be a string, not {}", kind(other)));
                None
            }
        }
    }

    /// True when `value` is at most `limit` bytes long; a problem naming `key` when not.
    pub(crate) fn within(&mut self, key: &str, value: &str, limit: Limit) -> bool {
        let ok = value.len() <= limit.bytes;
        if !ok {
            let message = format!(
                "is {} bytes long; at most {} are allowed ({})",
                value.len(),
                limit.bytes,
                limit.why
            );
            self.problem(key, message);
        }
        ok
    }

    /// An optional string of at most `limit` bytes.
    pub(crate) fn opt_text(&mut self, key: &str, limit: Limit) -> Option<String> {
        self.lookup(key)?;
        self.text(key, limit)
    }

    pub(crate) fn opt_string(&mut self, key: &str) -> Option<String> {
        self.lookup(key)?;
        self.string(key)
    }

    /// A secret from the variable `env` or else the file's `key`: not blank, not too long, and
    /// never shown in a problem, whatever it holds.
    pub(crate) fn secret(&mut self, key: &str, env: &str) -> Option<Secret> {
        if let Some(value) = self.env(env).filter(|v| !v.is_empty()) {
            return self
                .usable_secret(env, &value, "is blank")
                .then(|| Secret::new(value));
        }
        match self.lookup(key) {
            None => {
                self.problem(key, format!("is missing (or set {env})"));
                None
            }
            Some(Value::String(s)) => self
                .usable_secret(key, s, &format!("is empty (or set {env})"))
                .then(|| Secret::new(s.clone())),
            Some(other) => {
                self.wrong_secret_type(key, other);
                None
            }
        }
    }

    fn usable_secret(&mut self, key: &str, value: &str, blank: &str) -> bool {
        if value.trim().is_empty() {
            self.problem(key, blank);
            return false;
        }
        self.within(key, value, limits::SECRET)
    }

    /// Notes that the secret at `key` is not a string, saying only what kind of value it is.
    pub(crate) fn wrong_secret_type(&mut self, key: &str, value: &Value) {
        let message = format!(
            "must be a string, not {} (the value of a secret is never shown)",
            secret_kind(value)
        );
        self.problem(key, message);
    }

    /// True when the secret is given at all, in the variable `env` or the file's `key`.
    pub(crate) fn secret_given(&self, key: &str, env: &str) -> bool {
        self.env(env).filter(|v| !v.is_empty()).is_some()
            || self.lookup(key).is_some_and(|v| !v.is_null())
    }

    /// An optional secret string of the file (one the environment did not replace): `None`
    /// without a problem when absent. Unlike [`Reader::secret`], an empty one is returned as
    /// it is, for its section to judge.
    pub(crate) fn opt_secret_text(&mut self, key: &str) -> Option<String> {
        match self.lookup(key)? {
            Value::String(s) => self.within(key, s, limits::SECRET).then(|| s.clone()),
            other => {
                self.wrong_secret_type(key, other);
                None
            }
        }
    }

    pub(crate) fn env_first(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .find_map(|n| self.env(n).filter(|v| !v.is_empty()))
    }

    pub(crate) fn title(&mut self, key: &str) -> Option<String> {
        let title = self.text(key, limits::TITLE)?;
        if title.ends_with('/') {
            self.problem(
                key,
                format!("\"{title}\" must not end with \"/\": profiles are its subpages"),
            );
            return None;
        }
        Some(title)
    }

    pub(crate) fn category(&mut self, key: &str) -> Option<String> {
        let title = self.text(key, limits::TITLE)?;
        if !title.starts_with("Category:") {
            self.problem(key, format!("\"{title}\" must start with \"Category:\""));
            return None;
        }
        Some(title)
    }

    pub(crate) fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        let list = match self.lookup(key) {
            None => {
                self.problem(key, "is missing");
                return None;
            }
            Some(Value::Array(list)) if list.is_empty() => {
                self.problem(key, "is an empty list");
                return None;
            }
            Some(Value::Array(list)) if list.len() > limits::LIST_ENTRIES => {
                let message = format!(
                    "has {} entries; at most {} are allowed",
                    list.len(),
                    limits::LIST_ENTRIES
                );
                self.problem(key, message);
                return None;
            }
            Some(Value::Array(list)) => list,
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
                Value::String(s) if !s.trim().is_empty() => {
                    if self.within(&format!("{key}[{i}]"), s, limits::TITLE) {
                        out.push(s.clone());
                    }
                }
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
    pub(crate) fn template(&mut self, key: &str, meanings: &[&str]) -> Option<String> {
        let text = self.text(key, limits::GREETING)?;
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
}

/// A JSON value as a problem names it; a long string only by its start.
pub(crate) fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("\"{}\"", excerpt(s)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// At most the first [`limits::ECHO_CHARS`] characters of `text`, marked when cut.
pub(crate) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(limits::ECHO_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// What kind of value a secret setting holds, without any of the value.
fn secret_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
