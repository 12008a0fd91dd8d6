//! The optional `lifecycle` section: following a match after its greeting. Without the
//! section MatchBot greets and records, as the original did, and follows nothing.

use std::time::Duration;

use crate::limits;
use crate::reader::Reader;

/// How matches are followed after their greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleConfig {
    /// `lifecycle.check_seconds` (default 3600): how often the scanner looks at every open
    /// match.
    pub check_interval: Duration,
    /// `lifecycle.nudge_after_days` (default 7): no contact this long after a mentor was
    /// assigned → one note to the mentor.
    pub nudge_after_days: u32,
    /// `lifecycle.rematch_after_days` (default 14, more than `nudge_after_days`): still no
    /// contact this long after the mentor was assigned → a new mentor. Also the least time
    /// between two new mentors a learner asks for.
    pub rematch_after_days: u32,
    /// `lifecycle.learner_inactive_days` (default 30): a learner with no edit this long is
    /// closed quietly.
    pub learner_inactive_days: u32,
    /// `lifecycle.new_mentor_category` (optional): a learner who puts their profile in it asks
    /// for a different mentor.
    pub new_mentor_category: Option<String>,
    /// `lifecycle.day_seconds` (default 86400): how long a lifecycle "day" is. Only tests and
    /// demos change it, to see a month go by in a minute.
    pub day_seconds: u32,
    /// `lifecycle.max_matches_per_check` (default 2000): the most open matches one check looks
    /// at, oldest greeting first; the rest wait for the next.
    pub max_matches_per_check: usize,
    /// `lifecycle.messages.*`: what the bot posts.
    pub messages: LifecycleMessages,
}

/// What the lifecycle posts. Each body is wikitext with `{N}` placeholders; on a wikitext page
/// the bot's signature follows it (Flow signs posts itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleMessages {
    /// `nudge_topic`: the section title of a nudge.
    pub nudge_topic: String,
    /// `nudge`: {0} the mentor, {1} the learner, {2} the skill, {3} the days without contact.
    pub nudge: String,
    /// `reassigned_topic`: the section title telling a learner of their new mentor.
    pub reassigned_topic: String,
    /// `reassigned`: {0} the new mentor, {1} the learner, {2} the skill, {3} why (one of the
    /// `why_*` sentences, which may name {4} the mentor before).
    pub reassigned: String,
    /// `why_silent`: the mentor has not been in touch.
    pub why_silent: String,
    /// `why_mentor_left`: the mentor stepped back.
    pub why_mentor_left: String,
    /// `why_wish`: the learner asked.
    pub why_wish: String,
    /// `picked_up_topic`: the section title telling a waiting learner a mentor is free.
    pub picked_up_topic: String,
    /// `picked_up`: {0} the mentor, {1} the learner, {2} the skill.
    pub picked_up: String,
}

impl LifecycleConfig {
    /// `days` lifecycle days, in seconds.
    pub fn seconds(&self, days: u32) -> i64 {
        i64::from(days) * i64::from(self.day_seconds)
    }
}

impl Default for LifecycleConfig {
    fn default() -> LifecycleConfig {
        LifecycleConfig {
            check_interval: Duration::from_secs(3600),
            nudge_after_days: 7,
            rematch_after_days: 14,
            learner_inactive_days: 30,
            new_mentor_category: None,
            day_seconds: 86_400,
            max_matches_per_check: 2000,
            messages: LifecycleMessages::default(),
        }
    }
}

impl Default for LifecycleMessages {
    fn default() -> LifecycleMessages {
        LifecycleMessages {
            nudge_topic: "Checking in".into(),
            nudge: "[[User:{0}|{0}]], [[User:{1}|{1}]] asked the Co-op for help with {2} \
                    {3} days ago and has not heard from you yet. Could you say hello here? If \
                    you cannot mentor just now, mark yourself away on your mentor profile and \
                    {1} will get someone else."
                .into(),
            reassigned_topic: "A new mentor for you".into(),
            reassigned: "Hello again, [[User:{1}|{1}]]! {3} [[User:{0}|{0}]] offers \
                         mentoring in \"{2}\" and will be your Co-op mentor from now on."
                .into(),
            why_silent: "Your mentor, {4}, has not been able to get in touch.".into(),
            why_mentor_left: "Your mentor, {4}, has stepped back from mentoring.".into(),
            why_wish: "You asked for a different mentor.".into(),
            picked_up_topic: "A mentor for you".into(),
            picked_up: "Good news, [[User:{1}|{1}]]: [[User:{0}|{0}]] is free now, offers \
                        mentoring in \"{2}\" and will be your Co-op mentor."
                .into(),
        }
    }
}

/// Reads the section; `None` when it is absent (or wrong, with the problems noted).
pub(crate) fn read(r: &mut Reader) -> Option<Option<LifecycleConfig>> {
    if r.lookup("lifecycle").is_none() {
        return Some(None);
    }
    r.section("lifecycle");
    let d = LifecycleConfig::default();
    let check_interval = r
        .opt_seconds("lifecycle.check_seconds")
        .map_or(d.check_interval, Duration::from_secs_f64);
    let nudge_after_days = r
        .opt_days("lifecycle.nudge_after_days")
        .unwrap_or(d.nudge_after_days);
    let rematch_after_days = r
        .opt_days("lifecycle.rematch_after_days")
        .unwrap_or(d.rematch_after_days);
    if rematch_after_days <= nudge_after_days {
        r.problem(
            "lifecycle.rematch_after_days",
            format!(
                "({rematch_after_days}) must be more than lifecycle.nudge_after_days ({nudge_after_days}): the nudge comes first"
            ),
        );
    }
    let learner_inactive_days = r
        .opt_days("lifecycle.learner_inactive_days")
        .unwrap_or(d.learner_inactive_days);
    let new_mentor_category = match r.lookup("lifecycle.new_mentor_category") {
        Some(_) => r.category("lifecycle.new_mentor_category").map(Some),
        None => Some(None),
    };
    let day_seconds = match r.opt_u32("lifecycle.day_seconds") {
        Some(0) => {
            r.problem("lifecycle.day_seconds", "must be at least 1");
            d.day_seconds
        }
        Some(s) => s,
        None => d.day_seconds,
    };
    let max_matches_per_check = match r.opt_u32("lifecycle.max_matches_per_check") {
        Some(n @ 1..=100_000) => n as usize,
        Some(n) => {
            r.problem(
                "lifecycle.max_matches_per_check",
                format!("must be from 1 to 100000, not {n}"),
            );
            d.max_matches_per_check
        }
        None => d.max_matches_per_check,
    };
    let messages = read_messages(r, d.messages);
    Some(Some(LifecycleConfig {
        check_interval,
        nudge_after_days,
        rematch_after_days,
        learner_inactive_days,
        new_mentor_category: new_mentor_category?,
        day_seconds,
        max_matches_per_check,
        messages: messages?,
    }))
}

fn read_messages(r: &mut Reader, d: LifecycleMessages) -> Option<LifecycleMessages> {
    let mut template = |key: &str, default: String, meanings: &[&str]| {
        let key = format!("lifecycle.messages.{key}");
        match r.lookup(&key) {
            None => Some(default),
            Some(_) => r.template(&key, meanings),
        }
    };
    let (mentor, learner, skill) = ("the mentor", "the learner", "the skill");
    let nudge = template("nudge", d.nudge, &[mentor, learner, skill, "the days"]);
    let reassigned = template(
        "reassigned",
        d.reassigned,
        &["the new mentor", learner, skill, "why"],
    );
    let picked_up = template("picked_up", d.picked_up, &[mentor, learner, skill]);
    let mut sentence = |key: &str, default: String| {
        let key = format!("lifecycle.messages.{key}");
        r.opt_text(&key, limits::GREETING).or(Some(default))
    };
    let why_silent = sentence("why_silent", d.why_silent);
    let why_mentor_left = sentence("why_mentor_left", d.why_mentor_left);
    let why_wish = sentence("why_wish", d.why_wish);
    let mut topic = |key: &str, default: String| {
        let key = format!("lifecycle.messages.{key}");
        r.opt_text(&key, limits::TITLE).or(Some(default))
    };
    let nudge_topic = topic("nudge_topic", d.nudge_topic);
    let reassigned_topic = topic("reassigned_topic", d.reassigned_topic);
    let picked_up_topic = topic("picked_up_topic", d.picked_up_topic);
    Some(LifecycleMessages {
        nudge_topic: nudge_topic?,
        nudge: nudge?,
        reassigned_topic: reassigned_topic?,
        reassigned: reassigned?,
        why_silent: why_silent?,
        why_mentor_left: why_mentor_left?,
        why_wish: why_wish?,
        picked_up_topic: picked_up_topic?,
        picked_up: picked_up?,
    })
}
