//! `scanner.push`: one feed, named as it is read, with a heartbeat; every problem named.

use std::path::Path;
use std::time::Duration;

use matchbot_config::{Config, ConfigError, Feed};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");

fn load(push: Value) -> Result<Config, ConfigError> {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config["scanner"] = json!({ "push": push });
    Config::from_json(&config.to_string(), Path::new("config.json"), |name| {
        (name == "MATCHBOT_SIGNING_KEY")
            .then(|| "a signing key for the tests, 32 characters".into())
    })
}

fn problems(push: Value) -> Vec<String> {
    match load(push) {
        Err(ConfigError::Invalid { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn without_push_the_scanner_polls() {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config["scanner"] = json!({});
    let config = Config::from_json(&config.to_string(), Path::new("c.json"), |n| {
        (n == "MATCHBOT_SIGNING_KEY").then(|| "a signing key for the tests, 32 characters".into())
    })
    .unwrap();
    assert!(config.scanner.push.is_none());
}

#[test]
fn a_feed_is_read_with_its_filters_and_heartbeat() {
    let config = load(json!({"rcfeed": "udp://127.0.0.1:9390", "wiki": "sandbox"})).unwrap();
    let push = config.scanner.push.unwrap();
    assert_eq!(
        push.feed,
        Feed::RcFeedUdp("127.0.0.1:9390".parse().unwrap())
    );
    assert_eq!(push.wiki.as_deref(), Some("sandbox"));
    assert_eq!(push.heartbeat, Duration::from_secs(600));
    let url = "https://stream.wikimedia.org/v2/stream/recentchange";
    let config = load(json!({"eventstreams": url, "heartbeat_seconds": 30})).unwrap();
    let push = config.scanner.push.unwrap();
    assert_eq!(push.feed, Feed::EventStreams(url.into()));
    assert_eq!(push.heartbeat, Duration::from_secs(30));
}

#[test]
fn every_problem_is_named() {
    assert_eq!(
        problems(json!({})),
        ["scanner.push: names no feed: set rcfeed or eventstreams"]
    );
    assert_eq!(
        problems(json!({"rcfeed": "udp://a", "eventstreams": "https://x"})),
        ["scanner.push: sets both rcfeed and eventstreams; a scanner hears one feed"]
    );
    let found = problems(json!({"rcfeed": "redis://127.0.0.1/rc", "heartbeat_seconds": -1}));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("scanner.push.rcfeed: \"redis://127.0.0.1/rc\" must be udp://")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("scanner.push.heartbeat_seconds: ")),
        "{found:?}"
    );
    let found = problems(json!({"eventstreams": "ftp://x", "colour": 1}));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("scanner.push.eventstreams: \"ftp://x\" must be")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("scanner.push.colour: unknown setting")),
        "{found:?}"
    );
}
