//! The do-not-contact list: a wiki page naming users MatchBot never greets, nudges or chooses as
//! a mentor. One user per line (`Name`, `User:Name`, `* Name`) or as links (`[[User:Name]]`,
//! `[[User:Name|label]]`, `[[User talk:Name]]`); names are normalised as MediaWiki does (first
//! letter upper case, underscores as spaces).
//!
//! Anyone may edit the page, so reading it is bounded whatever it holds: at most
//! [`MAX_READ_BYTES`] of its text are looked at and at most [`MAX_NAMES`] names kept, and a line
//! that is no user name is passed over. Being on the list is what keeps someone out, so when in
//! doubt a line counts: a name the wiki would refuse only lists nobody.

use std::collections::BTreeSet;

/// The most of the page's text read: far more than a list of [`MAX_NAMES`] names needs.
pub const MAX_READ_BYTES: usize = 512 * 1024;
/// The most names kept.
pub const MAX_NAMES: usize = 10_000;
/// The longest user name MediaWiki allows (in bytes).
const MAX_NAME_BYTES: usize = 255;
/// Characters no user name holds: a line with one is not a plain name.
const NOT_IN_NAMES: &[char] = &['#', '<', '>', '[', ']', '|', '{', '}', '=', '@', '/', ':'];

/// The users on the do-not-contact list, normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoNotContact {
    names: BTreeSet<String>,
    /// True when the page was longer than what was read, or listed more than was kept.
    pub truncated: bool,
}

impl DoNotContact {
    /// Reads the list from the page's wikitext.
    pub fn parse(wikitext: &str) -> DoNotContact {
        let mut list = DoNotContact::default();
        let text = match wikitext.get(..MAX_READ_BYTES) {
            Some(head) => head,
            None if wikitext.len() <= MAX_READ_BYTES => wikitext,
            None => {
                // Cut at the last character boundary before the bound.
                let end = (0..=MAX_READ_BYTES)
                    .rev()
                    .find(|i| wikitext.is_char_boundary(*i))
                    .unwrap_or(0);
                &wikitext[..end]
            }
        };
        list.truncated = text.len() < wikitext.len();
        for line in without_comments(text).lines() {
            for name in names_in(line) {
                if list.names.len() >= MAX_NAMES {
                    list.truncated = true;
                    return list;
                }
                list.names.insert(name);
            }
        }
        list
    }

    /// A list of exactly these names (normalised), as stored in the mentor pool.
    pub fn of<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> DoNotContact {
        let names = names
            .into_iter()
            .take(MAX_NAMES)
            .filter_map(|n| normalise(n.as_ref()))
            .collect();
        DoNotContact {
            names,
            truncated: false,
        }
    }

    /// Whether user `name` is on the list.
    pub fn contains(&self, name: &str) -> bool {
        normalise(name).is_some_and(|n| self.names.contains(&n))
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// How many names are on the list.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when nobody is on the list.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// `text` without `<!-- … -->` comments (an unclosed one runs to the end), in one pass.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The user names one line lists: its `[[User:…]]` links, or the line itself as a name.
fn names_in(line: &str) -> Vec<String> {
    if line.contains("[[") {
        return line
            .split("[[")
            .skip(1)
            .filter_map(|link| {
                let target = link.split(['|', ']']).next()?;
                user_of(target)
            })
            .collect();
    }
    let plain = line
        .trim()
        .trim_start_matches(['*', '#', ':', ';', ' ', '\t']);
    let plain = strip_user_namespace(plain).unwrap_or(plain);
    if plain.contains(NOT_IN_NAMES) {
        return Vec::new();
    }
    normalise(plain).into_iter().collect()
}

/// The user a link's target is about: `User:Name` or `User talk:Name` (a subpage: its user).
fn user_of(target: &str) -> Option<String> {
    let target = target.trim().trim_start_matches(':');
    let name = strip_user_namespace(target)?;
    let name = name.split('/').next()?;
    if name.contains(NOT_IN_NAMES) {
        return None;
    }
    normalise(name)
}

/// What follows `User:` or `User talk:` (any case, underscores or spaces), if `title` starts so.
fn strip_user_namespace(title: &str) -> Option<&str> {
    let (namespace, rest) = title.split_once(':')?;
    let namespace = namespace.trim().replace('_', " ").to_lowercase();
    matches!(namespace.as_str(), "user" | "user talk").then_some(rest)
}

/// A user name as MediaWiki normalises it: underscores as spaces, runs of spaces as one, no
/// leading or trailing space, the first letter upper case. `None` for an empty or overlong one.
fn normalise(name: &str) -> Option<String> {
    let spaced = name.replace('_', " ");
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    let first = chars.next()?;
    let normal: String = first.to_uppercase().chain(chars).collect();
    (normal.len() <= MAX_NAME_BYTES).then_some(normal)
}

#[cfg(test)]
mod tests;
