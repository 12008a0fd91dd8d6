//! The `lifecycle` section: absent means nothing is followed; present, every setting is read,
//! defaulted or refused with its own message, all at once.

use std::path::Path;
use std::time::Duration;

use matchbot_config::{Config, ConfigError};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");

fn load(value: &Value) -> Result<Config, ConfigError> {
    Config::from_json(&value.to_string(), Path::new("config.json"), |name| {
        (name == "MATCHBOT_SIGNING_KEY")
            .then(|| "a signing key for the tests, 32 characters".into())
    })
}

fn with_lifecycle(section: Value) -> Value {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config["lifecycle"] = section;
    config
}

#[test]
fn without_the_section_nothing_is_followed() {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config.as_object_mut().unwrap().remove("lifecycle");
    assert!(load(&config).unwrap().lifecycle.is_none());
}

#[test]
fn an_empty_section_follows_matches_with_the_defaults() {
    let lifecycle = load(&with_lifecycle(json!({}))).unwrap().lifecycle.unwrap();
    assert_eq!(lifecycle.nudge_after_days, 7);
    assert_eq!(lifecycle.rematch_after_days, 14);
    assert_eq!(lifecycle.learner_inactive_days, 30);
    assert_eq!(lifecycle.check_interval, Duration::from_secs(3600));
    assert_eq!(lifecycle.seconds(7), 7 * 86_400);
    assert!(lifecycle.new_mentor_category.is_none());
    assert!(lifecycle.messages.nudge.contains("{0}"));
}

#[test]
fn settings_and_messages_are_read() {
    let config = load(&with_lifecycle(json!({
        "check_seconds": 2,
        "nudge_after_days": 2,
        "rematch_after_days": 5,
        "learner_inactive_days": 40,
        "day_seconds": 3,
        "new_mentor_category": "Category:Co-op/New mentor wanted",
        "messages": {"nudge": "{0}, {1} waits ({2}, {3} days)", "nudge_topic": "Ping"}
    })))
    .unwrap();
    let lifecycle = config.lifecycle.unwrap();
    assert_eq!(lifecycle.check_interval, Duration::from_secs(2));
    assert_eq!(lifecycle.seconds(5), 15);
    assert_eq!(
        lifecycle.new_mentor_category.as_deref(),
        Some("Category:Co-op/New mentor wanted")
    );
    assert_eq!(lifecycle.messages.nudge, "{0}, {1} waits ({2}, {3} days)");
    assert_eq!(lifecycle.messages.nudge_topic, "Ping");
    assert_eq!(lifecycle.messages.reassigned_topic, "A new mentor for you");
}

#[test]
fn every_problem_is_named_at_once() {
    let refused = load(&with_lifecycle(json!({
        "nudge_after_days": 14,
        "rematch_after_days": 7,
        "learner_inactive_days": 0,
        "day_seconds": 0,
        "new_mentor_category": "New mentor",
        "max_matches_per_check": 0,
        "messages": {"nudge": "{0} and {5}", "reassigned": "no placeholders"},
        "nudge_days": 3
    })));
    let Err(ConfigError::Invalid { problems, .. }) = refused else {
        panic!("expected problems, got {refused:?}");
    };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for expected in [
        "lifecycle.rematch_after_days: (7) must be more than lifecycle.nudge_after_days (14)",
        "lifecycle.learner_inactive_days: must be a number of days from 1 to 10000, not 0",
        "lifecycle.day_seconds: must be at least 1",
        "lifecycle.new_mentor_category: \"New mentor\" must start with \"Category:\"",
        "lifecycle.max_matches_per_check: must be from 1 to 100000, not 0",
        "lifecycle.messages.nudge: lacks the placeholder {1} (the learner)",
        "lifecycle.messages.nudge: uses {5}",
        "lifecycle.messages.reassigned: lacks the placeholder {0} (the new mentor)",
        "lifecycle.nudge_days: unknown setting",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected}\ngot\n  {}",
            problems.join("\n  ")
        );
    }
}
