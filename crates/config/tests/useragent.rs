//! The User-Agent is sent as an HTTP header: a value no header can carry is a problem of the
//! configuration, named as such, not an outage found at the first request.

use std::path::Path;

use matchbot_config::{Config, ConfigError};
use serde_json::{Value, json};

fn problems(value: &Value) -> Vec<String> {
    match Config::from_json(
        &value.to_string(),
        Path::new("config.json"),
        signing_key_only,
    ) {
        Ok(_) => panic!("configuration was accepted, expected problems"),
        Err(ConfigError::Invalid { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        Err(other) => panic!("expected a list of problems, got: {other}"),
    }
}

#[test]
fn a_user_agent_with_characters_no_header_carries_is_refused_naming_the_setting() {
    for (contact, shown) in [
        ("Run by User:Zoë, zoe@example.org", "'ë'"),
        ("ops@example.org\r\nX-Injected: 1", "'\\r'"),
        ("ops@example.org\tTabbed", "'\\t'"),
    ] {
        let mut c: Value =
            serde_json::from_str(include_str!("../../../config.example.json")).unwrap();
        c["login"]["useragent"] = json!(contact);
        let found = problems(&c);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!(
                "login.useragent: holds {shown}, which an HTTP header cannot carry"
            )),
            "{found:?}"
        );
    }
    let mut c: Value = serde_json::from_str(include_str!("../../../config.example.json")).unwrap();
    c["login"]["useragent"] = json!("Run by User:Zo%C3%AB, zoe@example.org");
    assert!(
        Config::from_json(&c.to_string(), Path::new("config.json"), signing_key_only).is_ok(),
        "percent-encoded is fine"
    );
}

/// No environment but a signing key, which no configuration file holds.
fn signing_key_only(name: &str) -> Option<String> {
    (name == "MATCHBOT_SIGNING_KEY")
        .then(|| "a signing key for the tests, 32 characters".to_owned())
}
