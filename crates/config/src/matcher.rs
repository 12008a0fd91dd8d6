//! The optional `matcher` section: how mentors are drawn, their loads, caps and weights.

use std::collections::BTreeMap;

use matchbot_model::{OwnSettings, Selection};
use serde_json::Value;

use crate::reader::{Reader, kind};

/// The matcher's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherConfig {
    /// `matcher.seed`: with the request id, fixes every random choice, so replaying a stream
    /// decides the same.
    pub seed: u64,
    /// `matcher.selection` (default `least-loaded`): how one mentor is drawn from the eligible.
    pub selection: Selection,
    /// `matcher.load_days` (default 30): a mentor's load is the number of learners the matcher
    /// gave them among requests made in this many days before the one being decided.
    pub load_days: u32,
    /// `matcher.max_active`: the most learners (load) a mentor gets before they are passed
    /// over; none by default. `matcher.mentors.<name>.max_active` overrides it for one mentor.
    pub max_active: Option<u32>,
    /// `matcher.active_within_days`: a mentor whose last edit is older than this is passed over;
    /// off by default (the scanner then does not look up last edits).
    pub active_within_days: Option<u32>,
    /// `matcher.mentors`: per-mentor settings, by user name.
    pub mentors: BTreeMap<String, MentorSettings>,
    /// `matcher.in_flight_seconds` (default 86400, a day): a learner given to a mentor counts
    /// toward the mentor's load once their greeting is posted; before that only for this long
    /// after the decision, so that decisions made meanwhile respect the caps, but a greeting
    /// skipped, refused or lost holds no mentor's place.
    pub in_flight_seconds: u64,
    /// `matcher.min_mentor_edits` (default 0, off): a mentor with fewer edits is passed over.
    pub min_mentor_edits: u32,
    /// `matcher.min_mentor_days` (default 0, off): a mentor whose account is younger than this
    /// many days is passed over.
    pub min_mentor_days: u32,
}

impl MatcherConfig {
    /// True when a mentor gate needs each mentor's edit count and registration in the pool.
    pub fn gates_mentors(&self) -> bool {
        self.min_mentor_edits > 0 || self.min_mentor_days > 0
    }

    /// The settings of mentor `name` (the defaults when the configuration does not name them).
    pub fn mentor(&self, name: &str) -> MentorSettings {
        self.mentors.get(name).copied().unwrap_or_default()
    }

    /// The cap of mentor `name`: their own, else `matcher.max_active`.
    pub fn cap(&self, name: &str) -> Option<u32> {
        self.mentor(name).max_active.or(self.max_active)
    }

    /// The weight and cap of mentor `name`, who set `own` on their profile: when
    /// `matcher.mentors` names them, the maintainers' entry decides, as [`MatcherConfig::mentor`]
    /// and [`MatcherConfig::cap`] say; otherwise their own weight, and their own `max`, which
    /// can lower `matcher.max_active` but never raise it.
    pub fn weight_and_cap(&self, name: &str, own: Option<&OwnSettings>) -> (u32, Option<u32>) {
        match (self.mentors.contains_key(name), own) {
            (false, Some(own)) => {
                let weight = own.weight.unwrap_or(MentorSettings::default().weight);
                let cap = match (own.max_active, self.max_active) {
                    (Some(theirs), Some(ours)) => Some(theirs.min(ours)),
                    (theirs, ours) => theirs.or(ours),
                };
                (weight, cap)
            }
            _ => (self.mentor(name).weight, self.cap(name)),
        }
    }
}

impl Default for MatcherConfig {
    fn default() -> MatcherConfig {
        MatcherConfig {
            seed: 0,
            selection: Selection::LeastLoaded,
            load_days: 30,
            max_active: None,
            active_within_days: None,
            mentors: BTreeMap::new(),
            in_flight_seconds: 86_400,
            min_mentor_edits: 0,
            min_mentor_days: 0,
        }
    }
}

/// What `matcher.mentors.<name>` can say about one mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MentorSettings {
    /// `weight` (default 1): how likely the mentor is drawn relative to others with the same
    /// load; 0 means never assigned automatically (like Growth's "weight none").
    pub weight: u32,
    /// `max_active`: this mentor's own cap, overriding `matcher.max_active`.
    pub max_active: Option<u32>,
}

impl Default for MentorSettings {
    fn default() -> MentorSettings {
        MentorSettings {
            weight: 1,
            max_active: None,
        }
    }
}

/// Reads the section.
pub(crate) fn read(r: &mut Reader) -> Option<MatcherConfig> {
    let defaults = MatcherConfig::default();
    r.section("matcher");
    let seed = r.opt_u64("matcher.seed").unwrap_or(defaults.seed);
    let selection = match r.opt_string("matcher.selection") {
        None => defaults.selection,
        Some(name) => Selection::from_name(&name).unwrap_or_else(|| {
            let names: Vec<String> = Selection::ALL
                .iter()
                .map(|s| format!("\"{}\"", s.name()))
                .collect();
            r.problem(
                "matcher.selection",
                format!("\"{name}\" must be {}", names.join(" or ")),
            );
            defaults.selection
        }),
    };
    let load_days = r
        .opt_days("matcher.load_days")
        .unwrap_or(defaults.load_days);
    let max_active = r.opt_u32("matcher.max_active");
    let active_within_days = r.opt_days("matcher.active_within_days");
    let mentors = mentor_settings(r);
    let in_flight_seconds = r
        .opt_seconds("matcher.in_flight_seconds")
        .map_or(defaults.in_flight_seconds, |s| s.ceil() as u64);
    let min_mentor_edits = r
        .opt_u32("matcher.min_mentor_edits")
        .unwrap_or(defaults.min_mentor_edits);
    let min_mentor_days = match r.lookup("matcher.min_mentor_days") {
        // 0 is allowed here: it is the setting's "off".
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(0) => 0,
        Some(_) => r.opt_days("matcher.min_mentor_days").unwrap_or(0),
        None => defaults.min_mentor_days,
    };
    Some(MatcherConfig {
        min_mentor_edits,
        min_mentor_days,
        seed,
        selection,
        load_days,
        max_active,
        active_within_days,
        mentors,
        in_flight_seconds,
    })
}

/// `matcher.mentors`: `{ "<user name>": { "weight": 2, "max_active": 3 } }`. Read from the map
/// itself, not by dotted keys: a user name may hold a dot.
fn mentor_settings(r: &mut Reader) -> BTreeMap<String, MentorSettings> {
    let mut settings = BTreeMap::new();
    let Some(value) = r.lookup("matcher.mentors") else {
        return settings;
    };
    let Some(map) = value.as_object() else {
        r.problem(
            "matcher.mentors",
            format!(
                "must be an object of mentors by user name, not {}",
                kind(value)
            ),
        );
        return settings;
    };
    for (name, entry) in map {
        let key = format!("matcher.mentors.{name}");
        r.known(&key);
        let Some(fields) = entry.as_object() else {
            r.problem(&key, format!("must be an object, not {}", kind(entry)));
            continue;
        };
        let field = |r: &mut Reader, field: &str| -> Option<u32> {
            let key = format!("{key}.{field}");
            r.known(&key);
            fields.get(field).and_then(|v: &Value| r.u32_in(&key, v))
        };
        let weight = field(r, "weight");
        let max_active = field(r, "max_active");
        settings.insert(
            name.clone(),
            MentorSettings {
                weight: weight.unwrap_or(MentorSettings::default().weight),
                max_active,
            },
        );
    }
    settings
}
