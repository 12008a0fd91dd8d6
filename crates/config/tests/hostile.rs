//! A configuration written carelessly or by someone hostile: every problem is named once, no
//! value of a secret setting is ever shown, and no setting is larger than its use allows.

use std::path::Path;
use std::time::{Duration, Instant};

use matchbot_config::{Config, ConfigError};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");

fn example() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

fn problems_with_env(value: &Value, env: impl Fn(&str) -> Option<String>) -> Vec<String> {
    // Every configuration needs a signing key, which only the environment or a file gives.
    let env = move |name: &str| {
        (name == "MATCHBOT_SIGNING_KEY")
            .then(|| "a signing key for the tests, 32 characters".to_owned())
            .or_else(|| env(name))
    };
    match Config::from_json(&value.to_string(), Path::new("config.json"), env) {
        Ok(_) => panic!("configuration was accepted, expected problems"),
        Err(ConfigError::Invalid { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        Err(other) => panic!("expected a list of problems, got: {other}"),
    }
}

fn problems(value: &Value) -> Vec<String> {
    problems_with_env(value, |_| None)
}

/// Each problem line, and that no key is named twice.
fn named_once(p: &[String]) {
    let mut keys: Vec<&str> = p.iter().map(|l| l.split(": ").next().unwrap()).collect();
    keys.sort_unstable();
    let before = keys.len();
    keys.dedup();
    assert_eq!(before, keys.len(), "a key named twice:\n{}", p.join("\n"));
}

#[test]
fn keys_the_original_never_had_are_named_in_its_sections_and_at_the_top() {
    let mut c = example();
    c["login"]["path"] = json!("/w/");
    c["login"]["oauth2_token"] = json!("a-token-in-the-wrong-section");
    c["categories"]["generl"] = json!("Category:X");
    c["greetings"]["matchgreting"] = json!("Hi");
    c["pages"]["mian"] = json!("Wikipedia:Co-op");
    c["dbinfo"]["pasword"] = json!("x");
    c["logn"] = json!({});
    let p = problems(&c);
    for key in [
        "login.path",
        "login.oauth2_token",
        "categories.generl",
        "greetings.matchgreting",
        "pages.mian",
        "dbinfo.pasword",
        "logn",
    ] {
        assert!(
            p.iter()
                .any(|l| l.starts_with(&format!("{key}: unknown setting"))),
            "{key} is named:\n{}",
            p.join("\n")
        );
    }
    assert_eq!(p.len(), 7, "{}", p.join("\n"));
    assert!(
        !p.join("\n").contains("a-token-in-the-wrong-section"),
        "a misplaced secret is not echoed"
    );
}

#[test]
fn an_empty_or_blank_password_or_token_is_refused_now_not_at_login() {
    for blank in ["", "   ", "\t\n"] {
        let mut c = example();
        c["login"]["password"] = json!(blank);
        assert_eq!(
            problems(&c),
            vec!["login.password: is empty (or set MATCHBOT_WIKI_PASSWORD)"],
            "password {blank:?}"
        );
        let mut c = example();
        c["wiki"]["oauth2_token"] = json!(blank);
        assert_eq!(
            problems(&c),
            vec!["wiki.oauth2_token: is empty (or set MATCHBOT_WIKI_OAUTH2_TOKEN)"]
        );
    }
    let blank_env = |name: &str| (name == "MATCHBOT_WIKI_PASSWORD").then(|| "  ".to_owned());
    assert_eq!(
        problems_with_env(&example(), blank_env),
        vec!["MATCHBOT_WIKI_PASSWORD: is blank"]
    );
}

#[test]
fn a_secret_of_the_wrong_type_is_named_without_its_value() {
    let mut c = example();
    c["login"]["password"] = json!(98_765_432_123_u64);
    c["dbinfo"]["password"] = json!(55_443_322_u64);
    c["redis"]["url"] = json!(77_665_544_u64);
    c["redis"]["prefix"] = json!(["prefix-secret-3e1f"]);
    let p = problems(&c);
    let all = p.join("\n");
    for value in ["98765", "55443", "77665", "prefix-secret"] {
        assert!(!all.contains(value), "{value} was echoed:\n{all}");
    }
    assert!(
        all.contains("login.password: must be a string, not a number"),
        "{all}"
    );
    assert!(all.contains("dbinfo.password: must be a string"), "{all}");
    assert!(all.contains("redis.url: must be a string"), "{all}");
    assert!(
        all.contains("redis.prefix: must be a string, not a list"),
        "{all}"
    );
    assert_eq!(p.len(), 4, "{all}");

    // A token given but wrong is the problem; the BotPassword it replaces is not also missing.
    let mut c = example();
    c["login"].as_object_mut().unwrap().remove("password");
    c["wiki"]["oauth2_token"] = json!(123_456_789);
    assert_eq!(
        problems(&c),
        vec![
            "wiki.oauth2_token: must be a string, not a number (the value of a secret is never shown)"
        ]
    );
}

#[test]
fn a_greeting_larger_than_one_wiki_edit_is_refused_by_name() {
    let mut c = example();
    c["greetings"]["matchgreeting"] = json!(format!("{{0}} {{1}} {}", "x".repeat(3 << 20)));
    let p = problems(&c);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("greetings.matchgreeting: is 3145736 bytes long; at most 2097152"),
        "{}",
        p[0]
    );
    let mut c = example();
    c["greetings"]["matchtopic"] = json!("T".repeat(300));
    c["pages"]["talk"] = json!(format!("Wikipedia talk:{}", "é".repeat(200)));
    c["login"]["useragent"] = json!(format!("matchbot@example.org {}", "u".repeat(5000)));
    let p = problems(&c);
    assert!(
        p[0].starts_with("pages.talk: is 415 bytes long; at most 255"),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("greetings.matchtopic: is 300 bytes long"))
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("login.useragent: is 5021 bytes long"))
    );
    assert_eq!(p.len(), 3, "{p:?}");
}

#[test]
fn a_huge_file_is_refused_before_it_is_parsed() {
    let mut c = example();
    c["greetings"]["matchgreeting"] = json!(format!("{{0}} {{1}} {}", "x".repeat(60 << 20)));
    let text = c.to_string();
    let started = Instant::now();
    let refused = Config::from_json(&text, Path::new("config.json"), |_| None).unwrap_err();
    assert!(matches!(refused, ConfigError::TooLarge { .. }), "{refused}");
    assert!(
        refused.to_string().contains("is larger than 16 MiB"),
        "{refused}"
    );

    let dir = std::env::temp_dir().join(format!("matchbot-huge-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.json");
    std::fs::write(&path, &text).unwrap();
    let refused = Config::load_with_env(&path, |_| None).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(refused, ConfigError::TooLarge { .. }), "{refused}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_value_echoed_in_a_problem_is_cut_short() {
    let mut c = example();
    c["categories"]["general"] = json!("G".repeat(200));
    c["categories"]["skillslist"] = json!("S".repeat(100_000));
    let p = problems(&c);
    assert_eq!(p.len(), 2, "{p:?}");
    for line in &p {
        assert!(
            line.len() < 400,
            "a problem echoes at most a short excerpt: {line}"
        );
    }
}

#[test]
fn a_section_that_is_not_an_object_is_one_problem() {
    let mut c = example();
    c["login"] = json!("MatchBot");
    c["pages"] = json!(["Wikipedia:Co-op"]);
    let p = problems(&c);
    named_once(&p);
    assert!(p.contains(&"login: must be an object".to_owned()), "{p:?}");
    assert!(p.contains(&"pages: must be an object".to_owned()), "{p:?}");
    assert!(
        !p.iter()
            .any(|l| l.starts_with("login.") || l.starts_with("pages.")),
        "nothing below a broken section is named: {p:?}"
    );
    let mut c = example();
    c.as_object_mut().unwrap().remove("greetings");
    assert_eq!(problems(&c), vec!["greetings: is missing"]);
}

#[test]
fn many_unknown_keys_are_named_in_linear_time() {
    let mut c = example();
    let mentors: serde_json::Map<String, Value> = (0..10_000)
        .map(|i| (format!("Mentor {i}"), json!({ "weight": 1, "wieght": 2 })))
        .collect();
    c["matcher"]["mentors"] = Value::Object(mentors);
    let started = Instant::now();
    let p = problems(&c);
    assert_eq!(p.len(), 10_000);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}
