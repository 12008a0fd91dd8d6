//! The optional `redis` section: the stream bus, and how entries are handed out again.

use std::path::Path;
use std::time::Duration;

use matchbot_secret::Secret;

use crate::reader::Reader;
use crate::signing::{self, SigningKeys};

/// The stream bus.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis.url` or `MATCHBOT_REDIS_URL`; may hold a password, so it is kept secret.
    pub url: Secret,
    /// `redis.prefix` or `MATCHBOT_REDIS_PREFIX`: on Toolforge's shared, password-less Redis this
    /// is what keeps other tools out, so it should be long and secret there.
    pub prefix: Secret,
    /// `redis.claim_idle_seconds` (default 300): an entry pending this long with a consumer that
    /// stopped is taken over by a live one. Keep it above the slowest handling of one entry, or a
    /// live consumer's entry is handled twice.
    pub claim_idle: Duration,
    /// `redis.max_deliveries` (default 5): an entry handed out this many times without being
    /// acked goes to the dead-letter stream instead of crashing its worker again.
    pub max_deliveries: u64,
    /// The keys every stream entry and the mentor pool are signed with: from the environment
    /// or a secret file beside the configuration, never from the file itself (see
    /// `signing`). Empty only in a `Default`, which cannot connect.
    pub signing: SigningKeys,
    /// `redis.keep_handled_seconds` (default 3600): how long an entry stays on its stream once
    /// the stage reading it has handled it, for `matchbot stream export`. Entries not yet
    /// handled are never trimmed.
    pub keep_handled: Duration,
    /// The programme whose values this bus carries, when the configuration holds
    /// `programmes`: it is signed into every value, so an entry copied into another
    /// programme's streams does not verify. `None` for a configuration of one wiki without
    /// `programmes`, whose signatures are as they always were.
    pub scope: Option<String>,
}

impl Default for RedisConfig {
    fn default() -> RedisConfig {
        RedisConfig {
            url: Secret::new("redis://127.0.0.1:6379/"),
            prefix: Secret::new("matchbot:"),
            claim_idle: Duration::from_secs(300),
            max_deliveries: 5,
            signing: SigningKeys::default(),
            keep_handled: Duration::from_secs(3600),
            scope: None,
        }
    }
}

/// The host names of Toolforge's shared Redis, which every tool can read and write.
const TOOLFORGE_REDIS: [&str; 4] = [
    "redis.svc.tools.eqiad1.wikimedia.cloud",
    "tools-redis.svc.eqiad1.wikimedia.cloud",
    "tools-redis.svc.eqiad.wmflabs",
    "tools-redis",
];

/// The shortest prefix accepted on Toolforge's shared Redis.
const MIN_SHARED_PREFIX: usize = 16;

/// Reads the section; `MATCHBOT_REDIS_URL` and `MATCHBOT_REDIS_PREFIX` override the file.
/// `source` is the configuration's path: the signing key file may be beside it.
pub(crate) fn read(r: &mut Reader, source: &Path) -> Option<RedisConfig> {
    let defaults = RedisConfig::default();
    r.section("redis");
    let url = from_env_or_file(r, "MATCHBOT_REDIS_URL", "redis.url")
        .unwrap_or_else(|| defaults.url.expose().to_owned());
    let prefix = from_env_or_file(r, "MATCHBOT_REDIS_PREFIX", "redis.prefix")
        .unwrap_or_else(|| defaults.prefix.expose().to_owned());
    let parsed = url::Url::parse(&url).ok();
    let url_ok = parsed
        .as_ref()
        .is_some_and(|u| matches!(u.scheme(), "redis" | "rediss" | "redis+unix" | "unix"));
    let shared = parsed
        .as_ref()
        .and_then(|u| u.host_str())
        .is_some_and(|host| TOOLFORGE_REDIS.contains(&host.trim_end_matches('.')));
    let guessable_on_shared = shared
        && (prefix == defaults.prefix.expose() || prefix.chars().count() < MIN_SHARED_PREFIX);
    if guessable_on_shared {
        // Every key name is derived from the prefix: on a Redis every tool can list, a
        // guessable one lets anyone find MatchBot's keys.
        r.problem(
            "redis.prefix",
            format!(
                "must be a secret of at least {MIN_SHARED_PREFIX} characters, not the default, on                  Toolforge's shared Redis (set MATCHBOT_REDIS_PREFIX; the value is not shown)"
            ),
        );
    }
    if !url_ok {
        // The URL may carry a password: name the setting, never echo the value.
        r.problem(
            "redis.url",
            "is not a redis:// or rediss:// URL (the value is not shown: it may hold a password)",
        );
    }
    if prefix.is_empty() {
        r.problem(
            "redis.prefix",
            "must not be empty: every key MatchBot writes starts with it",
        );
    }
    let claim_idle = r
        .opt_seconds("redis.claim_idle_seconds")
        .map_or(defaults.claim_idle, Duration::from_secs_f64);
    let max_deliveries = r
        .opt_u64("redis.max_deliveries")
        .unwrap_or(defaults.max_deliveries);
    let keep_handled = r
        .opt_seconds("redis.keep_handled_seconds")
        .map_or(defaults.keep_handled, Duration::from_secs_f64);
    if max_deliveries == 0 {
        r.problem(
            "redis.max_deliveries",
            "must be at least 1: an entry is delivered once before it can be handled",
        );
    }
    let signing = signing::read(r, source);
    let prefix_ok = !prefix.is_empty() && !guessable_on_shared;
    let signing = signing?;
    (url_ok && prefix_ok && max_deliveries > 0).then(|| RedisConfig {
        url: Secret::new(url),
        prefix: Secret::new(prefix),
        claim_idle,
        max_deliveries,
        signing,
        keep_handled,
        scope: None,
    })
}

/// The variable `env` if set, else the file's `key`: both may be secret, so a value of the wrong
/// type is named by its kind only.
fn from_env_or_file(r: &mut Reader, env: &str, key: &str) -> Option<String> {
    r.known(key);
    r.env(env).or_else(|| r.opt_secret_text(key))
}
