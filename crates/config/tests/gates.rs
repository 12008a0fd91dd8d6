//! The `gates` section and the mentor gates of `matcher`: absent means the defaults (blocked
//! learners skipped, nothing held, no template skipped, every mentor eligible); every setting
//! is read, or refused with its own message, all at once.

use std::path::Path;

use matchbot_config::{Config, ConfigError, GatesConfig};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");

fn load(value: &Value) -> Result<Config, ConfigError> {
    Config::from_json(&value.to_string(), Path::new("config.json"), |name| {
        (name == "MATCHBOT_SIGNING_KEY")
            .then(|| "a signing key for the tests, 32 characters".into())
    })
}

fn with(gates: Value, matcher: Value) -> Value {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config["gates"] = gates;
    for (key, value) in matcher.as_object().unwrap() {
        config["matcher"][key] = value.clone();
    }
    config
}

#[test]
fn without_the_section_blocked_learners_are_skipped_and_nothing_else_is_gated() {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config.as_object_mut().unwrap().remove("gates");
    let config = load(&config).unwrap();
    assert_eq!(config.gates, GatesConfig::default());
    assert!(config.gates.skip_blocked_learners);
    assert_eq!(
        (
            config.gates.min_learner_minutes,
            config.gates.min_learner_edits
        ),
        (0, 0)
    );
    assert!(config.gates.skip_templates.is_empty());
    assert!(config.gates.needs_learner_facts());
    assert_eq!(
        (
            config.matcher.min_mentor_edits,
            config.matcher.min_mentor_days
        ),
        (0, 0)
    );
    assert!(!config.matcher.gates_mentors());
}

#[test]
fn settings_are_read() {
    let config = load(&with(
        json!({
            "skip_blocked_learners": false,
            "min_learner_minutes": 60,
            "min_learner_edits": 5,
            "recheck_minutes": 10,
            "skip_templates": ["Template:Retired", "Template:Wikibreak"]
        }),
        json!({"min_mentor_edits": 500, "min_mentor_days": 30}),
    ))
    .unwrap();
    let gates = config.gates;
    assert!(!gates.skip_blocked_learners);
    assert_eq!(
        (gates.min_learner_minutes, gates.min_learner_edits),
        (60, 5)
    );
    assert_eq!(gates.recheck_minutes, 10);
    assert_eq!(gates.recheck_after_seconds(), 600);
    assert_eq!(
        gates.skip_templates,
        ["Template:Retired", "Template:Wikibreak"]
    );
    assert!(gates.needs_learner_facts());
    assert_eq!(
        (
            config.matcher.min_mentor_edits,
            config.matcher.min_mentor_days
        ),
        (500, 30)
    );
    assert!(config.matcher.gates_mentors());
    let seconds = load(&with(
        json!({"recheck_minutes": 10, "recheck_seconds": 2}),
        json!({}),
    ))
    .unwrap();
    assert_eq!(seconds.gates.recheck_seconds, Some(2));
    assert_eq!(
        seconds.gates.recheck_after_seconds(),
        2,
        "the tests' seconds replace the minutes"
    );
    let off = load(&with(json!({"skip_blocked_learners": false}), json!({}))).unwrap();
    assert!(!off.gates.needs_learner_facts());
}

#[test]
fn every_problem_is_named_at_once() {
    let many: Vec<String> = (0..201).map(|i| format!("Template:T{i}")).collect();
    let refused = load(&with(
        json!({
            "skip_blocked_learners": "yes",
            "min_learner_minutes": 10_000_000,
            "min_learner_edits": -1,
            "recheck_minutes": 0,
            "recheck_seconds": 0,
            "skip_templates": ["Retired", "Template:", 7, "x".repeat(300)],
            "skip_template": []
        }),
        json!({"min_mentor_edits": "many", "min_mentor_days": 20_000}),
    ));
    let Err(ConfigError::Invalid { problems, .. }) = refused else {
        panic!("expected problems, got {refused:?}");
    };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for expected in [
        "gates.skip_blocked_learners: must be true or false, not \"yes\"",
        "gates.min_learner_minutes: must be a number of minutes from 0 to 527040, not 10000000",
        "gates.min_learner_edits: must be a whole number of at least 0",
        "gates.recheck_minutes: must be a number of minutes from 1 to 527040, not 0",
        "gates.recheck_seconds: must be a number of seconds from 1 to 31622400, not 0",
        "gates.skip_templates[2]: must be a string",
        "gates.skip_templates[3]: is 300 bytes long",
        "gates.skip_template: unknown setting",
        "matcher.min_mentor_edits: must be a whole number of at least 0",
        "matcher.min_mentor_days: must be a number of days from 1 to 10000, not 20000",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected}\ngot\n  {}",
            problems.join("\n  ")
        );
    }
    // A list whose entries are all strings has each title judged.
    let refused = load(&with(
        json!({"skip_templates": ["Retired", "Template:"]}),
        json!({}),
    ));
    let Err(ConfigError::Invalid { problems, .. }) = refused else {
        panic!("expected problems, got {refused:?}");
    };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for expected in [
        "gates.skip_templates[0]: \"Retired\" must be a template's title, starting with \"Template:\"",
        "gates.skip_templates[1]: \"Template:\" must be a template's title",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected {expected}\ngot\n  {}",
            problems.join("\n  ")
        );
    }
    let refused = load(&with(json!({ "skip_templates": many }), json!({})));
    let Err(ConfigError::Invalid { problems, .. }) = refused else {
        panic!("expected problems, got {refused:?}");
    };
    assert!(
        problems.iter().any(|p| p
            .to_string()
            .contains("gates.skip_templates: has 201 entries")),
        "{problems:?}"
    );
}
