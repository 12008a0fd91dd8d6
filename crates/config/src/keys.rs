//! Which keys the readers asked for, so that a key of the file nothing reads is named rather
//! than ignored. No list of known keys is kept by hand: the readers are the list.
//!
//! Every question is answered from maps built as keys are noted, so that naming the unknown
//! keys of a file with tens of thousands of entries takes time in proportion to the file.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// The keys asked for, and for each key path the names asked for directly below it.
#[derive(Default)]
pub(crate) struct Consulted {
    keys: HashSet<String>,
    /// `""` for the top level; names in the order first asked for.
    children: HashMap<String, Vec<String>>,
    pairs: HashSet<(String, String)>,
}

impl Consulted {
    /// Notes that `key` (dotted) is a setting MatchBot reads.
    pub(crate) fn note(&mut self, key: &str) {
        if !self.keys.insert(key.to_owned()) {
            return;
        }
        let ends = key
            .match_indices('.')
            .map(|(i, _)| i)
            .chain(std::iter::once(key.len()));
        let (mut parent_end, mut start) = (0, 0);
        for end in ends {
            let (parent, part) = (&key[..parent_end], &key[start..end]);
            if self.pairs.insert((parent.to_owned(), part.to_owned())) {
                self.children
                    .entry(parent.to_owned())
                    .or_default()
                    .push(part.to_owned());
            }
            (parent_end, start) = (end, end + 1);
        }
    }

    /// Every key of `root` no reader asked for, each with the names its parent does read.
    pub(crate) fn unknown(&self, root: &Value) -> Vec<(String, Vec<String>)> {
        let mut unknown = Vec::new();
        self.walk(root, "", &mut unknown);
        unknown
    }

    /// Every key below `value`, the object at top-level key `section`, no reader asked for.
    pub(crate) fn unknown_below(&self, value: &Value, section: &str) -> Vec<(String, Vec<String>)> {
        let mut unknown = Vec::new();
        self.walk(value, section, &mut unknown);
        unknown
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
            if self.children.contains_key(&key) {
                self.walk(child, &key, unknown);
            } else if !self.keys.contains(&key) {
                let known = self.children.get(path).cloned().unwrap_or_default();
                unknown.push((key, known));
            }
            // A key read as a whole was judged by its getter, whatever it holds.
        }
    }
}
