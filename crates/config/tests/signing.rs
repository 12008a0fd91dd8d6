//! The signing key: only from the environment or a private file, never shown, and the
//! default prefix refused on Toolforge's shared Redis.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use matchbot_config::{Config, ConfigError};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");
const KEY: &str = "k3y-0f-the-signing-tests-9f8e7d6c5b4a";
const OLD_KEY: &str = "old-k3y-0f-the-signing-tests-1a2b3c4d";

fn example() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

/// A directory of its own with `config.json` holding `config`, and `signing.key` holding
/// `key_file` (if any) with `mode`.
fn dir(name: &str, config: &Value, key_file: Option<(&str, u32)>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("matchbot-signing-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    if let Some((text, mode)) = key_file {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(dir.join("signing.key"))
            .unwrap();
        file.write_all(text.as_bytes()).unwrap();
    }
    dir
}

fn load(dir: &Path, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::load_with_env(dir, move |name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
}

/// Every problem, as `key: message` lines, after checking none shows a key.
fn problems(result: Result<Config, ConfigError>) -> Vec<String> {
    let Err(ConfigError::Invalid { problems, .. }) = result else {
        panic!("expected the configuration to be refused");
    };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    for line in &lines {
        for secret in [
            KEY,
            OLD_KEY,
            "short-key",
            "in-the-config-file-key-0123456789ab",
        ] {
            assert!(!line.contains(secret), "a key is shown: {line}");
        }
    }
    lines
}

#[test]
fn the_key_file_beside_the_configuration_signs_and_its_further_lines_are_still_accepted() {
    let text = format!("{KEY}\n{OLD_KEY}\n");
    let dir = dir("file", &example(), Some((&text, 0o600)));
    let config = load(&dir, &[]).expect("a valid configuration");
    assert_eq!(config.redis.signing.current.expose(), KEY);
    let previous: Vec<&str> = config
        .redis
        .signing
        .previous
        .iter()
        .map(|k| k.expose())
        .collect();
    assert_eq!(previous, [OLD_KEY]);
}

#[test]
fn the_environment_overrides_the_file() {
    let dir = dir("env", &example(), None);
    let env = [
        ("MATCHBOT_SIGNING_KEY", KEY),
        ("MATCHBOT_SIGNING_KEY_PREVIOUS", OLD_KEY),
    ];
    let config = load(&dir, &env).expect("a valid configuration");
    assert_eq!(config.redis.signing.current.expose(), KEY);
    assert_eq!(config.redis.signing.previous[0].expose(), OLD_KEY);
}

#[test]
fn no_key_a_short_key_or_a_file_others_can_read_is_refused_without_showing_it() {
    let missing = problems(load(&dir("missing", &example(), None), &[]));
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(
        missing[0].starts_with("signing.key: cannot read"),
        "{missing:?}"
    );

    let readable = problems(load(&dir("readable", &example(), Some((KEY, 0o644))), &[]));
    assert!(
        readable[0].contains("can be read by others (mode 644)"),
        "{readable:?}"
    );

    let short = problems(load(
        &dir("short", &example(), None),
        &[("MATCHBOT_SIGNING_KEY", "short-key")],
    ));
    assert_eq!(
        short,
        [
            "MATCHBOT_SIGNING_KEY: a signing key must be at least 32 characters; this one has 9 (the value is not shown)"
        ]
    );
}

#[test]
fn a_key_in_the_configuration_file_is_refused() {
    let mut c = example();
    c["redis"] = json!({ "signing_key": "in-the-config-file-key-0123456789ab" });
    let found = problems(load(&dir("in-file", &c, Some((KEY, 0o600))), &[]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("redis.signing_key: must not be in the configuration file"));
}

#[test]
fn the_default_or_a_short_prefix_is_refused_on_toolforges_shared_redis() {
    let shared = "redis://redis.svc.tools.eqiad1.wikimedia.cloud:6379/0";
    for prefix in [None, Some("matchbot:"), Some("short-prefix")] {
        let mut c = example();
        c["redis"] = json!({ "url": shared });
        if let Some(prefix) = prefix {
            c["redis"]["prefix"] = json!(prefix);
        }
        let found = problems(load(&dir("shared", &c, Some((KEY, 0o600))), &[]));
        assert_eq!(found.len(), 1, "{prefix:?}: {found:?}");
        assert!(
            found[0].starts_with("redis.prefix: must be a secret of at least 16"),
            "{found:?}"
        );
    }
    let mut c = example();
    c["redis"] = json!({ "url": shared, "prefix": "a-long-secret-prefix-8f7a6b:" });
    load(&dir("shared-ok", &c, Some((KEY, 0o600))), &[]).expect("a long prefix is accepted");
    // Elsewhere the default is fine: nobody else shares the Redis.
    let mut c = example();
    c["redis"] = json!({ "url": "redis://127.0.0.1:6379/" });
    load(&dir("local", &c, Some((KEY, 0o600))), &[]).expect("the default prefix locally");
}
