//! What mentors set for themselves: the mentor template on a profile,
//! `{{Co-op mentor|max=3|weight=2|note=…}}`, puts the profile in `categories.mentor_settings`
//! with the values as the link's sort key, `max=3;weight=2;note=…`. So the wiki's own parser
//! reads the template, and the scanner reads its result the way it reads the away category:
//! in the category listing at a reconcile, and from a poll's category changes in between, at
//! no extra request. Nothing here is trusted: a value out of range is ignored and named, once,
//! on the error log (`OwnProblems`).

use std::collections::HashSet;

use matchbot_bus::Commit;
use matchbot_model::{ErrorKind, ErrorLogEntry, OwnSettings, Timestamp};

use crate::error::ScanError;

/// A value a mentor set on their profile that is ignored: the profile, and why.
pub(crate) type OwnProblem = (String, String);

/// The largest `max` a mentor may set: more learners at once than anyone mentors well.
pub const MOST_LEARNERS: u32 = 50;

/// The largest `weight` a mentor may set (four times as often as a mentor of weight 1), so no
/// one mentor can take every learner by a large number.
pub const MOST_WEIGHT: u32 = 4;

/// What the sort key `written` says, and a sentence for each part that could not be used.
pub fn parse(written: &str) -> (OwnSettings, Vec<String>) {
    let mut own = OwnSettings::default();
    let mut problems = Vec::new();
    // The note comes last and may hold anything, `;` included.
    let (values, note) = match written.split_once("note=") {
        Some((values, note)) => (values, Some(note)),
        None => (written, None),
    };
    for part in values.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            problems.push(format!("\"{part}\" is not name=value"));
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if value.is_empty() {
            continue;
        }
        match name {
            "max" => own.max_active = number(name, value, 0, MOST_LEARNERS, &mut problems),
            "weight" => own.weight = number(name, value, 0, MOST_WEIGHT, &mut problems),
            other => problems.push(format!("\"{other}\" is not a setting (max, weight, note)")),
        }
    }
    own.note = note
        .map(|n| n.trim().trim_end_matches(';').trim())
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    (own, problems)
}

fn number(
    name: &str,
    value: &str,
    least: u32,
    most: u32,
    problems: &mut Vec<String>,
) -> Option<u32> {
    match value.parse::<u32>() {
        Ok(n) if (least..=most).contains(&n) => Some(n),
        _ => {
            let shown: String = value.chars().take(40).collect();
            problems.push(format!(
                "{name}={shown} is ignored: it must be a whole number from {least} to {most}"
            ));
            None
        }
    }
}

/// The values mentors set on their profiles that are ignored: each goes on the error log once
/// (per scanner process: a reconcile finds them all again).
#[derive(Debug, Default)]
pub(crate) struct OwnProblems {
    /// Found since the last commit.
    pub found: Vec<OwnProblem>,
    logged: HashSet<OwnProblem>,
}

/// The most problems remembered as logged; past it, the memory starts again (and a problem
/// still there is logged once more).
const MOST_REMEMBERED: usize = 10_000;

impl OwnProblems {
    /// Adds an error-log entry to `commit` for each problem found that was not logged before.
    pub(crate) fn log(&mut self, commit: &mut Commit) -> Result<(), ScanError> {
        if self.logged.len() > MOST_REMEMBERED {
            self.logged.clear();
        }
        for (profile, why) in std::mem::take(&mut self.found) {
            if self.logged.contains(&(profile.clone(), why.clone())) {
                continue;
            }
            tracing::warn!(%profile, problem = %why, "a value set with the mentor template is ignored");
            commit.log_error(&ErrorLogEntry {
                at: Timestamp::now(),
                kind: ErrorKind::MentorTemplate,
                subject: Some(profile.clone()),
                message: format!("the mentor template's {why}"),
            })?;
            self.logged.insert((profile, why));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_values_are_read() {
        let (own, problems) = parse("max=3;weight=2;note=Citations; and images");
        assert_eq!(own.max_active, Some(3));
        assert_eq!(own.weight, Some(2));
        assert_eq!(own.note.as_deref(), Some("Citations; and images"));
        assert!(problems.is_empty());
    }

    #[test]
    fn empty_values_set_nothing() {
        let (own, problems) = parse("max=;weight=;note=");
        assert_eq!(own, OwnSettings::default());
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn a_bad_value_is_ignored_and_named_and_the_rest_kept() {
        let (own, problems) = parse("max=lots;weight=99;colour=red;note=Hi");
        assert_eq!(own.max_active, None);
        assert_eq!(own.weight, None);
        assert_eq!(own.note.as_deref(), Some("Hi"));
        assert_eq!(
            problems,
            [
                "max=lots is ignored: it must be a whole number from 0 to 50",
                "weight=99 is ignored: it must be a whole number from 0 to 4",
                "\"colour\" is not a setting (max, weight, note)",
            ]
        );
        let (own, problems) = parse("max=-1;weight=4");
        assert_eq!((own.max_active, own.weight), (None, Some(4)));
        assert_eq!(problems.len(), 1);
    }
}
