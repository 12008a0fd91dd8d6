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
use std::collections::HashSet;

use serde_json::Value;

use crate::problem::Problem;
use crate::template::placeholders;
use matchbot_secret::Secret;

/// Reads one `config.json` and the environment, collecting problems.
pub(crate) struct Reader<'a> {
    root: &'a Value,
    pub(crate) problems: Vec<Problem>,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Every key asked for, in the order first asked, and the same as a set.
    consulted: RefCell<(Vec<String>, HashSet<String>)>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(root: &'a Value, env: &'a dyn Fn(&str) -> Option<String>) -> Reader<'a> {
        Reader {
            root,
            problems: Vec::new(),
            env,
            consulted: RefCell::new((Vec::new(), HashSet::new())),
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
        let mut consulted = self.consulted.borrow_mut();
        let (order, set) = &mut *consulted;
        if set.insert(key.to_owned()) {
            order.push(key.to_owned());
        }
    }

    /// An optional section: it may be absent, but if present it must be an object.
    pub(crate) fn section(&mut self, name: &str) {
        if let Some(value) = self.lookup(name)
            && !value.is_object()
        {
            self.problem(name, "must be an object");
        }
    }

    /// Notes a problem for every key of the file that no reader asked for.
    pub(crate) fn unknown_keys(&mut self) {
        let mut unknown = Vec::new();
        self.walk(self.root, "", &mut unknown);
        for (key, known) in unknown {
            self.problem(
                &key,
                format!("unknown setting (known: {})", known.join(", ")),
            );
        }
    }

    /// Looks for unread keys below `value`, the object at `path` (empty: the top level).
    fn walk(&self, value: &Value, path: &str, unknown: &mut Vec<(String, Vec<String>)>) {
        let Some(map) = value.as_object() else {
            return;
        };
        for (name, child) in map {
            let key = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            if self.read_below(&key) {
                self.walk(child, &key, unknown);
            } else if !self.consulted.borrow().1.contains(&key) {
                unknown.push((key, self.children_read(path)));
            }
            // A key read as a whole was judged by its getter, whatever it holds.
        }
    }

    /// True when some reader asked for a key below `key`.
    fn read_below(&self, key: &str) -> bool {
        let below = format!("{key}.");
        self.consulted
            .borrow()
            .0
            .iter()
            .any(|k| k.starts_with(&below))
    }

    /// The names of the keys directly below `path` that some reader asked for, in order.
    fn children_read(&self, path: &str) -> Vec<String> {
        let consulted = self.consulted.borrow();
        let mut names: Vec<String> = Vec::new();
        for key in &consulted.0 {
            let below = if path.is_empty() {
                Some(key.as_str())
            } else {
                key.strip_prefix(path)
                    .and_then(|rest| rest.strip_prefix('.'))
            };
            if let Some(name) = below.and_then(|rest| rest.split('.').next())
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_owned());
            }
        }
        names
    }

    pub(crate) fn problem(&mut self, key: &str, message: impl Into<String>) {
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

    pub(crate) fn opt_string(&mut self, key: &str) -> Option<String> {
        self.lookup(key)?;
        self.string(key)
    }

    pub(crate) fn secret(&mut self, key: &str, env: &str) -> Option<Secret> {
        if let Some(value) = self.env(env).filter(|v| !v.is_empty()) {
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
    pub(crate) fn opt_secret(&mut self, key: &str, env: &str) -> Option<Secret> {
        let given = self.env(env).filter(|v| !v.is_empty()).is_some()
            || self.lookup(key).is_some_and(|v| !v.is_null());
        if given { self.secret(key, env) } else { None }
    }

    pub(crate) fn env_first(&self, names: &[&str]) -> Option<String> {
        names
            .iter()
            .find_map(|n| self.env(n).filter(|v| !v.is_empty()))
    }

    pub(crate) fn title(&mut self, key: &str) -> Option<String> {
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

    pub(crate) fn category(&mut self, key: &str) -> Option<String> {
        let title = self.string(key)?;
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
    pub(crate) fn template(&mut self, key: &str, meanings: &[&str]) -> Option<String> {
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

    pub(crate) fn opt_u64(&mut self, key: &str) -> Option<u64> {
        let value = self.lookup(key)?;
        self.u64_in(key, value)
    }

    pub(crate) fn opt_u32(&mut self, key: &str) -> Option<u32> {
        let value = self.lookup(key)?;
        self.u32_in(key, value)
    }

    /// `value`, found at `key`, as a whole number. For values found by walking a map whose keys
    /// are names (a user name may hold a dot, which a dotted key cannot say).
    pub(crate) fn u64_in(&mut self, key: &str, value: &Value) -> Option<u64> {
        match value {
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

    /// `value`, found at `key`, as a whole number that fits 32 bits.
    pub(crate) fn u32_in(&mut self, key: &str, value: &Value) -> Option<u32> {
        let n = self.u64_in(key, value)?;
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(key, format!("{n} is too large"));
                None
            }
        }
    }

    /// A number of days, at least 1 and at most about 27 years.
    pub(crate) fn opt_days(&mut self, key: &str) -> Option<u32> {
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
    pub(crate) fn opt_seconds(&mut self, key: &str) -> Option<f64> {
        self.seconds(key, false)
    }

    /// A duration in seconds where 0 means "no wait" (for tests).
    pub(crate) fn opt_seconds_or_zero(&mut self, key: &str) -> Option<f64> {
        self.seconds(key, true)
    }

    pub(crate) fn seconds(&mut self, key: &str, zero_allowed: bool) -> Option<f64> {
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

/// A JSON value as a problem names it.
pub(crate) fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}
