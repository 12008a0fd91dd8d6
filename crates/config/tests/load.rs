//! Configuration validation: each problem an operator can make has its own message, and all of
//! them are reported at once.

use std::path::Path;

use std::time::Duration;

use matchbot_config::{Config, ConfigError, MissingTalkPage, WikiAuth};
use matchbot_model::Selection;
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");
const ORIGINAL_SAMPLE: &str = include_str!("data/original-sample.json");

/// No environment but the signing key, which every configuration needs and no file holds.
fn no_env(name: &str) -> Option<String> {
    (name == "MATCHBOT_SIGNING_KEY")
        .then(|| "a signing key for the tests, 32 characters".to_owned())
}

/// `env`, and the signing key.
fn with_key(env: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |name| no_env(name).or_else(|| env(name))
}

fn load(value: &Value) -> Result<Config, ConfigError> {
    Config::from_json(&value.to_string(), Path::new("config.json"), no_env)
}

/// The problems of a refused configuration, as `key: message` lines.
fn problems(value: &Value) -> Vec<String> {
    match load(value) {
        Ok(_) => panic!("configuration was accepted, expected problems"),
        Err(ConfigError::Invalid { problems, .. }) => {
            problems.iter().map(ToString::to_string).collect()
        }
        Err(other) => panic!("expected a list of problems, got: {other}"),
    }
}

fn example() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

fn assert_has(problems: &[String], expected: &str) {
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "expected a problem containing\n  {expected}\ngot\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_shipped_example_is_valid() {
    let config = load(&example()).unwrap();
    assert_eq!(config.skills.len(), 6);
    assert_eq!(config.skills[2].name, "writing");
    assert_eq!(config.wiki.api_url, "http://127.0.0.1:8181/api.php");
    assert_eq!(config.general_skill, "general editing skills");
    assert_eq!(config.wiki.bot_name(), "MatchBot");
}

#[test]
fn the_original_sample_is_refused_for_its_five_skills_and_its_placeholders() {
    let problems = problems(&serde_json::from_str(ORIGINAL_SAMPLE).unwrap());
    assert_eq!(
        problems,
        vec![
            "categories.skillslist: has 5 entries but categories.requestcategories has 6 and \
             categories.mentorcategories has 6; the three lists pair up by position, so they \
             must have the same length",
            "login.useragent: still holds the sample's placeholder YOURNAME: say who runs the \
             bot and how to reach them"
        ]
    );
}

#[test]
fn the_original_keys_alone_are_enough() {
    let mut sample: Value = serde_json::from_str(ORIGINAL_SAMPLE).unwrap();
    sample["categories"]["skillslist"]
        .as_array_mut()
        .unwrap()
        .push(json!("images and media"));
    sample["login"]["useragent"] = json!("MatchBot. Run by User:Jtmorgan, jmorgan@example.org");
    let config = load(&sample).unwrap();
    assert_eq!(
        config.wiki.api_url, "https://test.wikipedia.org/w/api.php",
        "script path defaults to /w/"
    );
    assert_eq!(config.redis.prefix.expose(), "matchbot:");
    assert_eq!(config.redis.claim_idle, std::time::Duration::from_secs(300));
    assert_eq!(config.redis.max_deliveries, 5);
}

#[test]
fn redelivery_settings_are_read_and_checked() {
    let mut c = example();
    c["redis"]["claim_idle_seconds"] = json!(2.5);
    c["redis"]["max_deliveries"] = json!(9);
    let config = load(&c).unwrap();
    assert_eq!(
        config.redis.claim_idle,
        std::time::Duration::from_millis(2500)
    );
    assert_eq!(config.redis.max_deliveries, 9);

    c["redis"]["claim_idle_seconds"] = json!(-1);
    c["redis"]["max_deliveries"] = json!(0);
    c["redis"]["max_delivery"] = json!(3);
    let p = problems(&c);
    assert_has(
        &p,
        "redis.claim_idle_seconds: must be a number of seconds above 0, not -1",
    );
    assert_has(
        &p,
        "redis.max_deliveries: must be at least 1: an entry is delivered once before it can be handled",
    );
    assert!(
        p.iter().any(|m| m.starts_with("redis.max_delivery:")),
        "a misspelt key is named: {p:?}"
    );
    assert_eq!(p.len(), 3, "{}", p.join("\n"));
}

#[test]
fn notifier_etiquette_has_production_defaults() {
    let mut c = example();
    c.as_object_mut().unwrap().remove("notifier");
    let config = load(&c).unwrap();
    let n = &config.notifier;
    assert_eq!(
        n.run_page, "User:MatchBot/Run",
        "named after the bot account"
    );
    assert_eq!(n.run_page_check, Duration::from_secs(60));
    assert_eq!(n.edit_interval, Duration::from_secs(10));
    assert_eq!(n.missing_talk_page, MissingTalkPage::Wikitext);
}

#[test]
fn notifier_etiquette_is_read_and_checked() {
    let mut c = example();
    c["notifier"] = json!({
        "run_page": "User:MatchBot/Run/Co-op",
        "run_page_check_seconds": 5,
        "edit_interval_seconds": 0,
        "missing_talk_page": "flow",
    });
    let config = load(&c).unwrap();
    let n = &config.notifier;
    assert_eq!(n.run_page, "User:MatchBot/Run/Co-op");
    assert_eq!(n.run_page_check, Duration::from_secs(5));
    assert_eq!(n.edit_interval, Duration::ZERO, "0 is allowed, for tests");
    assert_eq!(n.missing_talk_page, MissingTalkPage::Flow);

    c["notifier"] = json!({
        "run_page_check_seconds": 0,
        "edit_interval_seconds": -1,
        "missing_talk_page": "board",
    });
    let p = problems(&c);
    assert_has(
        &p,
        "notifier.run_page_check_seconds: must be a number of seconds above 0, not 0",
    );
    assert_has(
        &p,
        "notifier.edit_interval_seconds: must be a number of seconds, 0 or more, not -1",
    );
    assert_has(
        &p,
        "notifier.missing_talk_page: \"board\" must be \"wikitext\" or \"flow\"",
    );
    assert_eq!(p.len(), 3, "{}", p.join("\n"));
}

#[test]
fn the_user_agent_must_say_how_to_reach_the_operator() {
    for contact in [
        "Run by User:Jtmorgan",
        "Co-op bot (jmorgan@example.org)",
        "see https://meta.wikimedia.org/wiki/User:Jtmorgan",
        "User talk:Jtmorgan",
    ] {
        let mut c = example();
        c["login"]["useragent"] = json!(contact);
        assert!(load(&c).is_ok(), "{contact} names a contact");
    }
    let mut c = example();
    c["login"]["useragent"] = json!("MatchBot for the Co-op");
    assert_eq!(
        problems(&c),
        vec![
            "login.useragent: \"MatchBot for the Co-op\" gives no contact: add an email address, \
             a URL or a User: page, as Wikimedia's User-Agent policy asks"
        ]
    );
    c["login"]["useragent"] =
        json!("MatchBot, based on mwclient v0.7.2dev. Run by User:YOURNAME, YOUREMAIL");
    assert_has(
        &problems(&c),
        "login.useragent: still holds the sample's placeholder YOURNAME",
    );
}

#[test]
fn an_oauth2_token_replaces_the_bot_password() {
    let mut c = example();
    c["login"].as_object_mut().unwrap().remove("password");
    c["login"]["username"] = json!("MatchBot");
    let env = |name: &str| {
        (name == "MATCHBOT_WIKI_OAUTH2_TOKEN").then(|| "eyJ0eXAi.secret-token".to_owned())
    };
    let config =
        Config::from_json(&c.to_string(), Path::new("config.json"), with_key(env)).unwrap();
    let WikiAuth::OAuth2(token) = &config.wiki.auth else {
        panic!("expected OAuth 2, got {:?}", config.wiki.auth);
    };
    assert_eq!(token.expose(), "eyJ0eXAi.secret-token");
    assert!(!format!("{config:?}").contains("secret-token"));

    c["wiki"]["oauth2_token"] = json!("from-the-file");
    let config = load(&c).unwrap();
    assert!(matches!(&config.wiki.auth, WikiAuth::OAuth2(t) if t.expose() == "from-the-file"));
}

#[test]
fn every_problem_is_listed_at_once() {
    let mut c = example();
    c["categories"]["general"] = json!("Co-op mentors");
    c["categories"]["requestcategories"][1] = json!("Co-op/Requests/Communication");
    c["greetings"]["matchgreeting"] = json!("Hello {0}");
    c["greetings"]["nomatchgreeting"] = json!("Hello {0} and {1}");
    c["login"]["protocol"] = json!("gopher");
    c["login"].as_object_mut().unwrap().remove("username");
    c["wiki"]["scriptpath"] = json!("w");
    c["scanner"]["since"] = json!("last tuesday");
    c["scanner"]["poll_seconds"] = json!(0);
    c["defaultmentorprofile"] = json!("User:Maintainer");
    let p = problems(&c);
    assert_has(
        &p,
        "categories.general: \"Co-op mentors\" must start with \"Category:\"",
    );
    assert_has(
        &p,
        "categories.requestcategories[1]: \"Co-op/Requests/Communication\" must start with \"Category:\"",
    );
    assert_has(
        &p,
        "greetings.matchgreeting: lacks the placeholder {1} (skill)",
    );
    assert_has(
        &p,
        "greetings.nomatchgreeting: uses {1}, but only {0} (maintainer) exist here",
    );
    assert_has(
        &p,
        "login.protocol: \"gopher\" must be \"http\" or \"https\"",
    );
    assert_has(&p, "login.username: is missing");
    assert_has(&p, "wiki.scriptpath: \"w\" must start and end with \"/\"");
    assert_has(&p, "scanner.since: \"last tuesday\" is not a timestamp");
    assert_has(
        &p,
        "scanner.poll_seconds: must be a number of seconds above 0, not 0",
    );
    assert_has(
        &p,
        "defaultmentorprofile: \"User:Maintainer\" is not a subpage of pages.main",
    );
    assert_eq!(p.len(), 10, "one problem each:\n{}", p.join("\n"));
}

#[test]
fn wrong_types_and_empty_values_are_named() {
    let mut c = example();
    c["categories"]["skillslist"] = json!("writing");
    c["pages"]["main"] = json!("");
    c["dbinfo"]["port"] = json!(70000);
    c["login"]["site"] = json!("https://en.wikipedia.org/wiki");
    c["redis"]["url"] = json!("http://user:s3cretpass@localhost");
    c["scanner"]["poll_second"] = json!(3);
    let p = problems(&c);
    assert_has(
        &p,
        "categories.skillslist: must be a list of strings, not \"writing\"",
    );
    assert_has(&p, "pages.main: is empty");
    assert_has(&p, "dbinfo.port: 70000 is not a TCP port");
    assert_has(
        &p,
        "login.site: \"https://en.wikipedia.org/wiki\" is not a host name",
    );
    assert_has(&p, "redis.url: is not a redis:// or rediss:// URL");
    assert_has(&p, "scanner.poll_second: unknown setting");
    assert!(
        !p.iter().any(|line| line.contains("s3cretpass")),
        "a Redis URL may hold a password and must not be echoed: {p:?}"
    );
}

#[test]
fn a_repeated_request_category_is_refused() {
    let mut c = example();
    c["categories"]["requestcategories"][5] = json!("Category:Co-op/Requests/Writing");
    assert_has(
        &problems(&c),
        "categories.requestcategories[5]: \"Category:Co-op/Requests/Writing\" is listed twice",
    );
}

#[test]
fn secrets_come_from_the_environment() {
    let mut c = example();
    c["login"].as_object_mut().unwrap().remove("password");
    c["dbinfo"].as_object_mut().unwrap().remove("username");
    let refused = problems(&c);
    assert_has(
        &refused,
        "login.password: is missing (or set MATCHBOT_WIKI_PASSWORD)",
    );
    assert_has(&refused, "dbinfo.username: is missing");

    let env = |name: &str| match name {
        "MATCHBOT_WIKI_PASSWORD" => Some("from-env-password".to_owned()),
        "TOOL_TOOLSDB_USER" => Some("s12345".to_owned()),
        "TOOL_TOOLSDB_PASSWORD" => Some("toolsdb-secret".to_owned()),
        "MATCHBOT_REDIS_PREFIX" => Some("long-secret-prefix:".to_owned()),
        "MATCHBOT_DB_HOST" => Some("mariadb".to_owned()),
        _ => None,
    };
    let config =
        Config::from_json(&c.to_string(), Path::new("config.json"), with_key(env)).unwrap();
    let WikiAuth::BotPassword(password) = &config.wiki.auth else {
        panic!("expected a BotPassword, got {:?}", config.wiki.auth);
    };
    assert_eq!(password.expose(), "from-env-password");
    assert_eq!(config.db.user, "s12345");
    assert_eq!(config.db.host, "mariadb");
    assert_eq!(config.db.password.expose(), "toolsdb-secret");
    assert_eq!(config.redis.prefix.expose(), "long-secret-prefix:");
    let debug = format!("{config:?}");
    for secret in ["from-env-password", "toolsdb-secret", "long-secret-prefix"] {
        assert!(!debug.contains(secret), "{secret} leaked into Debug output");
    }
}

#[test]
fn a_directory_means_its_config_json() {
    let dir = std::env::temp_dir().join(format!("matchbot-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), EXAMPLE).unwrap();
    let config = Config::load_with_env(&dir, no_env).unwrap();
    assert_eq!(config.source, dir.join("config.json"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unreadable_and_malformed_files_say_so() {
    let missing = Config::load_with_env(Path::new("/nonexistent/matchbot.json"), no_env);
    assert!(
        matches!(&missing, Err(e) if e.to_string().starts_with("cannot read configuration /nonexistent/matchbot.json")),
        "{missing:?}"
    );
    let bad = Config::from_json("{\"categories\": ", Path::new("c.json"), no_env);
    assert!(
        matches!(&bad, Err(e) if e.to_string().starts_with("configuration c.json is not valid JSON")),
        "{bad:?}"
    );
}

#[test]
fn matching_has_fair_defaults() {
    let config = load(&example()).unwrap();
    let m = &config.matcher;
    assert_eq!(m.selection, Selection::LeastLoaded);
    assert_eq!(
        (m.load_days, m.max_active, m.active_within_days),
        (30, None, None)
    );
    assert_eq!(m.mentor("Anyone").weight, 1);
    assert_eq!(
        config.away_category.as_deref(),
        Some("Category:Co-op mentors away")
    );
    let mut v = example();
    v["categories"].as_object_mut().unwrap().remove("away");
    assert_eq!(load(&v).unwrap().away_category, None, "away is optional");
}

#[test]
fn matching_settings_are_read_and_checked() {
    let mut v = example();
    v["categories"]["away"] = json!("Category:Co-op mentors away");
    v["matcher"] = json!({
        "seed": 3,
        "selection": "uniform",
        "load_days": 14,
        "max_active": 4,
        "active_within_days": 90,
        "mentors": { "Ada": { "weight": 2 }, "Bea": { "max_active": 1 }, "Cy": { "weight": 0 } }
    });
    let config = load(&v).unwrap();
    let m = &config.matcher;
    assert_eq!(m.selection, Selection::Uniform);
    assert_eq!(
        (m.load_days, m.max_active, m.active_within_days),
        (14, Some(4), Some(90))
    );
    assert_eq!((m.mentor("Ada").weight, m.cap("Ada")), (2, Some(4)));
    assert_eq!(m.cap("Bea"), Some(1), "a mentor's own cap wins");
    assert_eq!(m.mentor("Cy").weight, 0);
    assert_eq!(
        config.away_category.as_deref(),
        Some("Category:Co-op mentors away")
    );

    v["categories"]["away"] = json!("Co-op mentors away");
    v["matcher"] = json!({
        "selection": "fairest",
        "load_days": 0,
        "max_active": -1,
        "mentors": { "Ada": { "weight": "high", "cap": 2 }, "Bea": 3 }
    });
    let p = problems(&v);
    assert_has(
        &p,
        "categories.away: \"Co-op mentors away\" must start with \"Category:\"",
    );
    assert_has(
        &p,
        "matcher.selection: \"fairest\" must be \"least-loaded\" or \"uniform\"",
    );
    assert_has(
        &p,
        "matcher.load_days: must be a number of days from 1 to 10000, not 0",
    );
    assert_has(
        &p,
        "matcher.max_active: must be a whole number of at least 0, not -1",
    );
    assert_has(
        &p,
        "matcher.mentors.Ada.weight: must be a whole number of at least 0, not \"high\"",
    );
    assert_has(
        &p,
        "matcher.mentors.Ada.cap: unknown setting (known: weight, max_active)",
    );
    assert_has(&p, "matcher.mentors.Bea: must be an object, not 3");
    assert_eq!(p.len(), 7, "{p:?}");
}

/// The example without its database credentials, host and name, as a Toolforge tool's
/// config.json can be: ToolsDB supplies them.
fn without_db_credentials() -> Value {
    let mut c = example();
    c["dbinfo"] = json!({});
    c
}

#[test]
fn toolsdb_credentials_from_the_environment_bring_toolforge_defaults() {
    let env = |name: &str| match name {
        "TOOL_TOOLSDB_USER" => Some("s52788".to_owned()),
        "TOOL_TOOLSDB_PASSWORD" => Some("toolsdb-secret".to_owned()),
        _ => None,
    };
    let c = without_db_credentials();
    let config =
        Config::from_json(&c.to_string(), Path::new("config.json"), with_key(env)).unwrap();
    assert_eq!(config.db.user, "s52788");
    assert_eq!(config.db.password.expose(), "toolsdb-secret");
    assert_eq!(config.db.host, "tools.db.svc.wikimedia.cloud");
    assert_eq!(config.db.name, "s52788__matchbot");
}

#[test]
fn a_replica_my_cnf_in_the_tools_home_supplies_the_credentials() {
    let home = std::env::temp_dir().join(format!("matchbot-mycnf-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("replica.my.cnf"),
        "[client]\nuser = s52788\npassword = 'cnf-secret'\n",
    )
    .unwrap();
    let data_dir = home.display().to_string();
    let env = move |name: &str| (name == "TOOL_DATA_DIR").then(|| data_dir.clone());
    let mut c = without_db_credentials();
    c["dbinfo"]["dbname"] = json!("s52788__matches");
    let config =
        Config::from_json(&c.to_string(), Path::new("config.json"), with_key(&env)).unwrap();
    assert_eq!(config.db.user, "s52788");
    assert_eq!(config.db.password.expose(), "cnf-secret");
    assert_eq!(config.db.host, "tools.db.svc.wikimedia.cloud");
    assert_eq!(config.db.name, "s52788__matches");
    assert!(!format!("{config:?}").contains("cnf-secret"));

    // A username in the file wins over a replica.my.cnf found by looking.
    let config = Config::from_json(
        &example().to_string(),
        Path::new("config.json"),
        with_key(&env),
    )
    .unwrap();
    assert_eq!(
        (config.db.user.as_str(), config.db.host.as_str()),
        ("root", "127.0.0.1")
    );

    // One named in the file, relative to the file, wins over the file's username.
    let mut c = example();
    c["dbinfo"]["credentials_file"] = json!("replica.my.cnf");
    c["dbinfo"]["dbname"] = json!("s52788__matchbot");
    let config = Config::from_json(&c.to_string(), &home.join("config.json"), no_env).unwrap();
    assert_eq!(config.db.user, "s52788");
    assert_eq!(config.db.host, "127.0.0.1", "a host given is kept");
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn toolsdb_problems_are_named() {
    let mut c = without_db_credentials();
    c["dbinfo"]["credentials_file"] = json!("/nonexistent/replica.my.cnf");
    let problems = problems(&c);
    assert_has(
        &problems,
        "dbinfo.credentials_file: cannot read /nonexistent/replica.my.cnf",
    );
    assert_has(
        &problems,
        "dbinfo.username: is missing (or set MATCHBOT_DB_USER or TOOL_TOOLSDB_USER, or name a replica.my.cnf in dbinfo.credentials_file)",
    );

    let env = |name: &str| match name {
        "TOOL_TOOLSDB_USER" => Some("s52788".to_owned()),
        "TOOL_TOOLSDB_PASSWORD" => Some("x".to_owned()),
        _ => None,
    };
    let mut c = without_db_credentials();
    c["dbinfo"]["dbname"] = json!("matchbot");
    let Err(ConfigError::Invalid { problems, .. }) =
        Config::from_json(&c.to_string(), Path::new("config.json"), with_key(env))
    else {
        panic!("a database ToolsDB refuses was accepted");
    };
    assert_eq!(
        problems[0].to_string(),
        "dbinfo.dbname: ToolsDB lets s52788 use only databases named s52788__<name> (such as s52788__matchbot), not \"matchbot\""
    );
}

#[test]
fn a_key_no_section_reads_is_named_in_every_section() {
    let mut c = example();
    c["login"]["path"] = json!("/w/");
    c["dbinfo"]["dbnmae"] = json!("matchbot");
    c["notifer"] = json!({ "edit_interval_seconds": 1 });
    c["matcher"]["mentors"] = json!({ "J.Smith": { "weight": 3, "wieght": 1 } });
    let p = problems(&c);
    assert_has(&p, "login.path: unknown setting (known: ");
    assert_has(&p, "dbinfo.dbnmae: unknown setting (known: ");
    assert_has(&p, "notifer: unknown setting (known: ");
    assert_has(
        &p,
        "matcher.mentors.J.Smith.wieght: unknown setting (known: weight, max_active)",
    );
    assert_eq!(p.len(), 4, "{p:?}");
    let login = p.iter().find(|p| p.starts_with("login.path")).unwrap();
    for key in ["username", "password", "protocol", "site", "useragent"] {
        assert!(login.contains(key), "{login} should list {key}");
    }
}

#[test]
fn keys_replaced_by_the_environment_or_another_key_are_still_known() {
    let mut c = example();
    c["wiki"]["oauth2_token"] = json!("a-token");
    c["redis"]["url"] = json!("redis://127.0.0.1:6379/");
    let env = |name: &str| match name {
        "MATCHBOT_REDIS_URL" => Some("redis://127.0.0.1:6380/".to_owned()),
        "MATCHBOT_DB_USER" => Some("someone".to_owned()),
        "MATCHBOT_DB_PASSWORD" => Some("pw".to_owned()),
        "MATCHBOT_DB_HOST" => Some("db".to_owned()),
        "MATCHBOT_DB_NAME" => Some("name".to_owned()),
        _ => None,
    };
    let config =
        Config::from_json(&c.to_string(), Path::new("config.json"), with_key(env)).unwrap();
    assert!(matches!(config.wiki.auth, WikiAuth::OAuth2(_)));
    assert_eq!(config.redis.url.expose(), "redis://127.0.0.1:6380/");
    assert_eq!(config.db.user, "someone");
}

#[test]
fn a_mentor_whose_name_holds_a_dot_keeps_their_settings() {
    let mut c = example();
    c["matcher"]["mentors"] = json!({ "J.Smith": { "weight": 3, "max_active": 2 } });
    let config = load(&c).unwrap();
    assert_eq!(config.matcher.mentor("J.Smith").weight, 3);
    assert_eq!(config.matcher.cap("J.Smith"), Some(2));
}

#[test]
fn database_timeouts_have_defaults_and_are_checked() {
    let config = load(&example()).unwrap();
    assert_eq!(config.db.connect_timeout, Duration::from_secs(10));
    assert_eq!(config.db.query_timeout, Duration::from_secs(60));
    let mut c = example();
    c["dbinfo"]["connect_timeout_seconds"] = json!(2.5);
    c["dbinfo"]["query_timeout_seconds"] = json!(30);
    let config = load(&c).unwrap();
    assert_eq!(config.db.connect_timeout, Duration::from_millis(2500));
    assert_eq!(config.db.query_timeout, Duration::from_secs(30));
    c["dbinfo"]["query_timeout_seconds"] = json!(0);
    assert_has(
        &problems(&c),
        "dbinfo.query_timeout_seconds: must be a number of seconds above 0, not 0",
    );
}
