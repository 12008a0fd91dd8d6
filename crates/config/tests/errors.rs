//! The `errors` and `do_not_contact` sections: absent means no error log and no list; present,
//! every setting is read, defaulted or refused with its own message, all at once.

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

fn with(errors: Option<Value>, do_not_contact: Option<Value>) -> Value {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    let object = config.as_object_mut().unwrap();
    object.remove("errors");
    object.remove("do_not_contact");
    if let Some(errors) = errors {
        object.insert("errors".into(), errors);
    }
    if let Some(list) = do_not_contact {
        object.insert("do_not_contact".into(), list);
    }
    config
}

fn problems(value: &Value) -> Vec<String> {
    let refused = load(value);
    let Err(ConfigError::Invalid { problems, .. }) = refused else {
        panic!("expected problems, got {refused:?}");
    };
    problems.iter().map(ToString::to_string).collect()
}

#[test]
fn without_the_sections_there_is_no_error_log_and_no_list() {
    let config = load(&with(None, None)).unwrap();
    assert!(config.errors.is_none());
    assert!(config.do_not_contact.is_none());
}

#[test]
fn a_section_without_its_page_turns_nothing_on() {
    let config = load(&with(Some(json!({"keep": 10})), Some(json!({})))).unwrap();
    assert!(config.errors.is_none());
    assert!(config.do_not_contact.is_none());
}

#[test]
fn a_page_alone_takes_the_defaults() {
    let config = load(&with(
        Some(json!({"page": "User:MatchBot/Errors"})),
        Some(json!({"page": "User:MatchBot/Do not contact"})),
    ))
    .unwrap();
    let errors = config.errors.unwrap();
    assert_eq!(errors.page, "User:MatchBot/Errors");
    assert_eq!(errors.min_interval, Duration::from_secs(3600));
    assert_eq!(errors.keep, 50);
    assert_eq!(
        config.do_not_contact.unwrap().page,
        "User:MatchBot/Do not contact"
    );
}

#[test]
fn settings_are_read() {
    let config = load(&with(
        Some(json!({"page": "User:MatchBot/Errors", "min_interval_minutes": 5, "keep": 7})),
        None,
    ))
    .unwrap();
    let errors = config.errors.unwrap();
    assert_eq!(errors.min_interval, Duration::from_secs(300));
    assert_eq!(errors.keep, 7);
}

#[test]
fn every_problem_is_named_at_once() {
    let found = problems(&with(
        Some(json!({"page": 3, "min_interval_minutes": 0, "keep": 100000, "kep": 1})),
        Some(json!({"page": "", "pages": "x"})),
    ));
    for expected in [
        "errors.page",
        "errors.min_interval_minutes",
        "errors.keep",
        "must be from 1 to 500",
        "errors.kep",
        "do_not_contact.page",
        "do_not_contact.pages",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "no problem names {expected}:\n  {}",
            found.join("\n  ")
        );
    }
}

#[test]
fn a_section_that_is_not_an_object_is_refused() {
    let found = problems(&with(
        Some(json!("User:MatchBot/Errors")),
        Some(json!(["x"])),
    ));
    assert!(found.iter().any(|p| p.starts_with("errors")), "{found:?}");
    assert!(
        found.iter().any(|p| p.starts_with("do_not_contact")),
        "{found:?}"
    );
}

#[test]
fn the_log_page_must_be_a_page_of_its_own() {
    let found = problems(&with(
        Some(json!({"page": "User:MatchBot/Do_not_contact"})),
        Some(json!({"page": "User:MatchBot/Do not contact"})),
    ));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("errors.page") && p.contains("is also do_not_contact.page")),
        "{found:?}"
    );
    let mut config = with(Some(json!({"page": "User:MatchBot/Run"})), None);
    config["notifier"]["run_page"] = json!("User:MatchBot/Run");
    let found = problems(&config);
    assert!(
        found
            .iter()
            .any(|p| p.contains("is also notifier.run_page")),
        "{found:?}"
    );
}
