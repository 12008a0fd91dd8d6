//! `notifier.edit_time_limit_seconds`: how long an edit whose answer was lost may still be
//! saving on the wiki.

use std::path::Path;
use std::time::Duration;

use matchbot_config::{Config, ConfigError};
use serde_json::{Value, json};

fn example() -> Value {
    serde_json::from_str(include_str!("../../../config.example.json")).unwrap()
}

fn load(value: &Value) -> Result<Config, ConfigError> {
    Config::from_json(
        &value.to_string(),
        Path::new("config.json"),
        signing_key_only,
    )
}

#[test]
fn the_edit_time_limit_defaults_to_wikimedias_and_is_read() {
    let mut c = example();
    c["notifier"]
        .as_object_mut()
        .unwrap()
        .remove("edit_time_limit_seconds");
    let config = load(&c).unwrap();
    assert_eq!(config.notifier.edit_time_limit, Duration::from_secs(200));
    c["notifier"]["edit_time_limit_seconds"] = json!(0.5);
    let config = load(&c).unwrap();
    assert_eq!(config.notifier.edit_time_limit, Duration::from_millis(500));
    c["notifier"]["edit_time_limit_seconds"] = json!(-3);
    let Err(ConfigError::Invalid { problems, .. }) = load(&c) else {
        panic!("a negative limit was accepted");
    };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        problems[0].starts_with("notifier.edit_time_limit_seconds: "),
        "{problems:?}"
    );
}

/// No environment but a signing key, which no configuration file holds.
fn signing_key_only(name: &str) -> Option<String> {
    (name == "MATCHBOT_SIGNING_KEY")
        .then(|| "a signing key for the tests, 32 characters".to_owned())
}
