//! The optional `gates` section: who may be matched at all, as HostBot and Growth's mentorship
//! ask before they invite or match a newcomer. Each gate is a setting with a default; the
//! mentor gates are in the `matcher` section (`matcher.min_mentor_edits`, `min_mentor_days`).

use serde_json::Value;

use crate::reader::{Reader, kind};

/// The gates on learners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatesConfig {
    /// `gates.skip_blocked_learners` (default true): a learner blocked from the whole wiki is
    /// not matched; the request is recorded as skipped.
    pub skip_blocked_learners: bool,
    /// `gates.min_learner_minutes` (default 0, off): a learner whose account is younger is
    /// held, and matched once it is old enough.
    pub min_learner_minutes: u32,
    /// `gates.min_learner_edits` (default 0, off): a learner with fewer edits is held, and
    /// matched once they have made enough.
    pub min_learner_edits: u32,
    /// `gates.recheck_minutes` (default 60): how long a learner held for their edits waits
    /// before the scanner reads their account again.
    pub recheck_minutes: u32,
    /// `gates.recheck_seconds` (default none): the same wait in seconds, in place of
    /// `recheck_minutes`. Only tests and demos set it, to see a held learner rechecked in
    /// seconds, as `lifecycle.day_seconds` makes a day a second.
    pub recheck_seconds: Option<u32>,
    /// `gates.skip_templates` (default none): a talk page carrying one of these templates
    /// (`Template:Retired`, say) is not greeted; the request is recorded as skipped.
    pub skip_templates: Vec<String>,
}

impl GatesConfig {
    /// True when some gate needs the learner's account (blocks, registration, edits) read when
    /// a request is handed out.
    pub fn needs_learner_facts(&self) -> bool {
        self.skip_blocked_learners || self.min_learner_minutes > 0 || self.min_learner_edits > 0
    }

    /// How long a learner held for their edits waits for a recheck, in seconds:
    /// `recheck_seconds` when set, else `recheck_minutes`.
    pub fn recheck_after_seconds(&self) -> i64 {
        self.recheck_seconds
            .map_or(i64::from(self.recheck_minutes) * 60, i64::from)
    }
}

impl Default for GatesConfig {
    fn default() -> GatesConfig {
        GatesConfig {
            skip_blocked_learners: true,
            min_learner_minutes: 0,
            min_learner_edits: 0,
            recheck_minutes: 60,
            recheck_seconds: None,
            skip_templates: Vec::new(),
        }
    }
}

/// The most minutes a gate can hold a learner for: a year.
const MOST_MINUTES: u32 = 366 * 24 * 60;

/// Reads the section.
pub(crate) fn read(r: &mut Reader) -> Option<GatesConfig> {
    let d = GatesConfig::default();
    r.section("gates");
    let skip_blocked_learners = match r.lookup("gates.skip_blocked_learners") {
        None => d.skip_blocked_learners,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            r.problem(
                "gates.skip_blocked_learners",
                format!("must be true or false, not {}", kind(other)),
            );
            d.skip_blocked_learners
        }
    };
    let min_learner_minutes = minutes(r, "gates.min_learner_minutes", d.min_learner_minutes, 0);
    let recheck_minutes = minutes(r, "gates.recheck_minutes", d.recheck_minutes, 1);
    let recheck_seconds = match r.opt_u32("gates.recheck_seconds") {
        Some(n) if (1..=MOST_MINUTES * 60).contains(&n) => Some(n),
        Some(n) => {
            r.problem(
                "gates.recheck_seconds",
                format!(
                    "must be a number of seconds from 1 to {}, not {n}",
                    MOST_MINUTES * 60
                ),
            );
            None
        }
        None => None,
    };
    let min_learner_edits = r
        .opt_u32("gates.min_learner_edits")
        .unwrap_or(d.min_learner_edits);
    let skip_templates = match r.lookup("gates.skip_templates") {
        None => Some(d.skip_templates),
        Some(Value::Array(list)) if list.is_empty() => Some(Vec::new()),
        Some(_) => r.strings("gates.skip_templates").and_then(|list| {
            let mut ok = true;
            for (i, title) in list.iter().enumerate() {
                if !title.starts_with("Template:") || title.len() == "Template:".len() {
                    r.problem(
                        &format!("gates.skip_templates[{i}]"),
                        format!(
                            "\"{title}\" must be a template's title, starting with \"Template:\""
                        ),
                    );
                    ok = false;
                }
            }
            ok.then_some(list)
        }),
    };
    Some(GatesConfig {
        skip_blocked_learners,
        min_learner_minutes,
        min_learner_edits,
        recheck_minutes,
        recheck_seconds,
        skip_templates: skip_templates?,
    })
}

/// A number of minutes at `key`, from `least` to a year; each list entry (a title) is bounded
/// by `Reader::strings`.
fn minutes(r: &mut Reader, key: &str, default: u32, least: u32) -> u32 {
    match r.opt_u32(key) {
        Some(n) if (least..=MOST_MINUTES).contains(&n) => n,
        Some(n) => {
            r.problem(
                key,
                format!("must be a number of minutes from {least} to {MOST_MINUTES}, not {n}"),
            );
            default
        }
        None => default,
    }
}
