//! `programmes`: many wikis from one file, each read as strictly as a file of one wiki, the
//! shared sections once, every problem named where it is.

use std::path::Path;

use matchbot_config::{Config, ConfigError, DEFAULT_PROGRAMME, Deployment, WikiAuth};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");
const KEY: &str = "a signing key for the tests, 32 characters";

fn env(name: &str) -> Option<String> {
    (name == "MATCHBOT_SIGNING_KEY").then(|| KEY.into())
}

/// The example file with `programmes` set.
fn two(programmes: Value) -> Value {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config["programmes"] = programmes;
    config
}

fn deployment(config: &Value) -> Result<Deployment, ConfigError> {
    Deployment::from_json(&config.to_string(), Path::new("config.json"), env)
}

fn problems(config: &Value) -> Vec<String> {
    match deployment(config) {
        Err(ConfigError::Invalid { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

fn sandboxes() -> Value {
    json!({
        "first": {},
        "second": {
            "login": {"site": "127.0.0.1:8182"},
            "greetings": {"matchtopic": "Welcome to the second Co-op!"},
            "notifier": {"edit_interval_seconds": 5},
        },
    })
}

#[test]
fn a_file_of_one_wiki_is_one_programme_with_its_keys_as_before() {
    let config = Config::from_json(EXAMPLE, Path::new("config.json"), env).unwrap();
    assert_eq!(config.programme, DEFAULT_PROGRAMME);
    assert_eq!(config.redis.prefix.expose(), "matchbot-sandbox:");
    assert_eq!(config.redis.scope, None);
}

#[test]
fn each_programme_is_the_shared_sections_with_its_own_over_them() {
    let programmes = deployment(&two(sandboxes())).unwrap();
    assert_eq!(programmes.names(), ["first", "second"]);
    let [first, second] = programmes.programmes() else {
        panic!("two programmes")
    };
    assert_eq!(first.wiki.site, "127.0.0.1:8181");
    assert_eq!(second.wiki.site, "127.0.0.1:8182");
    assert_eq!(second.greetings.match_topic, "Welcome to the second Co-op!");
    assert_eq!(
        first.greetings.match_topic,
        "Welcome to the Co-op! We have a mentor for you."
    );
    // What a programme does not set is the top level's, its skills among it.
    assert_eq!(second.skills, first.skills);
    assert_eq!(second.wiki.user_agent, first.wiki.user_agent);
    assert_eq!(first.notifier.edit_interval.as_secs(), 1);
    assert_eq!(second.notifier.edit_interval.as_secs(), 5);
    // Redis and the database are shared; each programme's keys and signatures are its own.
    assert_eq!(first.db.name, second.db.name);
    assert_eq!(first.redis.prefix.expose(), "matchbot-sandbox:first:");
    assert_eq!(second.redis.prefix.expose(), "matchbot-sandbox:second:");
    assert_eq!(second.redis.scope.as_deref(), Some("second"));
}

#[test]
fn the_programme_named_default_keeps_the_keys_of_a_file_of_one_wiki() {
    let programmes = deployment(&two(json!({"default": {}, "other": {}}))).unwrap();
    let default = &programmes.programmes()[0];
    assert_eq!(default.redis.prefix.expose(), "matchbot-sandbox:");
    assert_eq!(default.redis.scope, None);
}

#[test]
fn shared_sections_belong_at_the_top_level() {
    let said = problems(&two(json!({
        "first": {"dbinfo": {"dbname": "other"}, "redis": {"prefix": "x"}},
    })));
    assert_eq!(
        said,
        [
            "programmes.first.dbinfo: is shared by every programme: set it at the top level",
            "programmes.first.redis: is shared by every programme: set it at the top level",
        ]
    );
}

#[test]
fn a_problem_is_named_where_it_is_and_a_shared_one_once() {
    let mut config = two(json!({
        "first": {"login": {"site": 8182}},
        "second": {"greetings": {"matchtopic": ""}},
        "Third wiki": {},
        "fourth": [],
    }));
    config["scanner"]["poll_seconds"] = json!("often");
    let said = problems(&config);
    let named = |prefix: &str| said.iter().filter(|p| p.starts_with(prefix)).count();
    assert_eq!(named("programmes.first.login.site: "), 1, "{said:#?}");
    assert_eq!(
        named("programmes.second.greetings.matchtopic: "),
        1,
        "{said:#?}"
    );
    assert_eq!(
        named("programmes.Third wiki: is not a programme name"),
        1,
        "{said:#?}"
    );
    assert_eq!(
        named("programmes.fourth: must be an object"),
        1,
        "{said:#?}"
    );
    // The shared typo is the top level's, said once for all three programmes that read it.
    assert_eq!(named("scanner.poll_seconds: "), 1, "{said:#?}");
    assert_eq!(said.len(), 5, "{said:#?}");
}

#[test]
fn an_unknown_key_in_a_programme_is_named_there() {
    let said = problems(&two(json!({"first": {"greetings": {"matchtopik": "x"}}})));
    assert_eq!(said.len(), 1, "{said:#?}");
    assert!(
        said[0].starts_with("programmes.first.greetings.matchtopik: unknown setting"),
        "{said:#?}"
    );
}

#[test]
fn programmes_must_be_an_object_of_at_least_one() {
    assert_eq!(
        problems(&two(json!({}))),
        ["programmes: must name at least one programme"]
    );
    assert!(problems(&two(json!(["a"])))[0].starts_with("programmes: must be an object"));
}

#[test]
fn a_programmes_own_password_comes_from_its_own_variable() {
    let mut config = two(sandboxes());
    config["login"].as_object_mut().unwrap().remove("password");
    let text = config.to_string();
    let env = |name: &str| match name {
        "MATCHBOT_SIGNING_KEY" => Some(KEY.into()),
        "MATCHBOT_WIKI_PASSWORD" => Some("the-shared-bot-password-0123456789".into()),
        "MATCHBOT_WIKI_PASSWORD__SECOND" => Some("the-second-wikis-own-password-0123".into()),
        _ => None,
    };
    let programmes = Deployment::from_json(&text, Path::new("c.json"), env).unwrap();
    let [first, second] = programmes.programmes() else {
        panic!("two programmes")
    };
    let password = |auth: &WikiAuth| match auth {
        WikiAuth::BotPassword(p) => p.expose().to_owned(),
        WikiAuth::OAuth2(_) => panic!("a bot password"),
    };
    assert_eq!(
        password(&first.wiki.auth),
        "the-shared-bot-password-0123456789"
    );
    assert_eq!(
        password(&second.wiki.auth),
        "the-second-wikis-own-password-0123"
    );
}

#[test]
fn a_command_of_one_programme_is_told_which_there_are() {
    let text = two(sandboxes()).to_string();
    let many = Config::from_json(&text, Path::new("c.json"), env).unwrap_err();
    assert_eq!(
        many.to_string(),
        "configuration c.json holds the programmes first, second: name one with --programme"
    );
    let programmes = Deployment::from_json(&text, Path::new("c.json"), env).unwrap();
    let unknown = programmes.clone().one(Some("third")).unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "configuration c.json holds no programme \"third\" (it holds: first, second)"
    );
    assert_eq!(programmes.one(Some("second")).unwrap().programme, "second");
}
