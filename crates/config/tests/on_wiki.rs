//! The settings page over the file: what it may set, how it merges, and every problem named
//! with its line, as the file's would be.

use std::path::Path;

use matchbot_config::{Config, PageError};
use serde_json::{Value, json};

const EXAMPLE: &str = include_str!("../../../config.example.json");

fn file() -> Config {
    let mut config: Value = serde_json::from_str(EXAMPLE).unwrap();
    config["settings"] = json!({"page": "User:MatchBot/config.json"});
    Config::from_json(&config.to_string(), Path::new("config.json"), |name| {
        (name == "MATCHBOT_SIGNING_KEY")
            .then(|| "a signing key for the tests, 32 characters".into())
    })
    .unwrap()
}

fn problems(error: PageError) -> Vec<String> {
    match error {
        PageError::Invalid { problems, .. } => problems.iter().map(|p| p.to_string()).collect(),
        other => panic!("expected problems, got {other}"),
    }
}

#[test]
fn the_file_alone_names_no_revision_and_the_page_names_its_own() {
    let file = file();
    assert_eq!(
        file.settings_page.as_deref(),
        Some("User:MatchBot/config.json")
    );
    assert_eq!(file.settings_revision, None);
    let page = file.with_settings_page("{}", 41).unwrap();
    assert_eq!(page.settings_revision, Some(41));
    assert_eq!(page.greetings.match_topic, file.greetings.match_topic);
}

#[test]
fn a_page_changes_only_the_keys_it_sets() {
    let file = file();
    let text = json!({
        "greetings": {"matchgreeting": "Hi! {0} can help you with {1}. ~~~~"},
        "matcher": {"max_active": 3, "mentors": {"Ada": {"weight": 2}}}
    })
    .to_string();
    let page = file.with_settings_page(&text, 7).unwrap();
    assert_eq!(
        page.greetings.match_greeting,
        "Hi! {0} can help you with {1}. ~~~~"
    );
    assert_eq!(
        page.greetings.nomatch_greeting,
        file.greetings.nomatch_greeting
    );
    assert_eq!(page.matcher.max_active, Some(3));
    assert_eq!(page.matcher.mentor("Ada").weight, 2);
    assert_eq!(page.skills, file.skills);
    // The file's other settings are the file's.
    assert_eq!(page.wiki.api_url, file.wiki.api_url);
}

#[test]
fn a_revision_applies_to_the_file_never_to_the_revision_before_it() {
    let file = file();
    let first = json!({"matcher": {"max_active": 3}}).to_string();
    let first = file.with_settings_page(&first, 1).unwrap();
    let second = first.with_settings_page("{}", 2).unwrap();
    assert_eq!(second.matcher.max_active, file.matcher.max_active);
}

#[test]
fn null_removes_the_files_value() {
    let file = file();
    let with_cap = json!({"matcher": {"max_active": 4}}).to_string();
    let base = file.with_settings_page(&with_cap, 1).unwrap();
    assert_eq!(base.matcher.max_active, Some(4));
    let text = json!({"matcher": {"max_active": null}}).to_string();
    assert_eq!(
        file.with_settings_page(&text, 2)
            .unwrap()
            .matcher
            .max_active,
        None
    );
}

#[test]
fn file_only_settings_are_refused_by_name() {
    let text = "{\n  \"login\": {\"username\": \"Mallory\"},\n  \"redis\": {\"url\": \"redis://evil\"},\n  \"settings\": {\"page\": \"User:Mallory/x.json\"}\n}";
    let found = problems(file().with_settings_page(text, 9).unwrap_err());
    assert_eq!(found.len(), 3, "{found:?}");
    for (line, key) in [(2, "login"), (3, "redis"), (4, "settings")] {
        assert!(
            found
                .iter()
                .any(|p| p.starts_with(&format!("line {line}: {key}: may not be set on the wiki"))),
            "{key}: {found:?}"
        );
    }
}

#[test]
fn every_problem_is_named_with_its_line_as_the_file_would_name_it() {
    let text = "{\n  \"greetings\": {\n    \"matchgreeting\": \"Hi {0}\"\n  },\n  \"matcher\": {\n    \"selection\": \"random\",\n    \"max_activ\": 3\n  }\n}";
    let error = file().with_settings_page(text, 12).unwrap_err();
    let said = error.to_string();
    assert!(
        said.starts_with("User:MatchBot/config.json revision 12 has 3 problems:"),
        "{said}"
    );
    let found = problems(error);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("line 3: greetings.matchgreeting: ")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("line 6: matcher.selection: \"random\" must be")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("line 7: matcher.max_activ: unknown setting")),
        "{found:?}"
    );
}

#[test]
fn a_syntax_error_names_its_line_and_column() {
    let error = file()
        .with_settings_page("{\n  \"matcher\": {,}\n}", 3)
        .unwrap_err();
    match &error {
        PageError::Json { line, revision, .. } => assert_eq!((*line, *revision), (2, 3)),
        other => panic!("{other}"),
    }
    assert!(
        error.problems()[0].starts_with("line 2, column "),
        "{:?}",
        error.problems()
    );
}

#[test]
fn a_page_that_is_not_an_object_or_too_large_is_refused() {
    let found = problems(file().with_settings_page("[1, 2]", 4).unwrap_err());
    assert_eq!(found, ["(top level): must be a JSON object"]);
    let huge = format!(
        "{{\"greetings\": {{\"matchtopic\": \"{}\"}}}}",
        "x".repeat(3 << 20)
    );
    assert!(matches!(
        file().with_settings_page(&huge, 5),
        Err(PageError::TooLarge { revision: 5, .. })
    ));
}

#[test]
fn the_example_settings_page_applies_to_the_example_config() {
    let page = include_str!("../../../deploy/settings.example.json");
    let config = file().with_settings_page(page, 1).unwrap();
    assert_eq!(config.matcher.max_active, Some(5));
    assert_eq!(config.matcher.mentor("Ada").weight, 2);
    assert_eq!(
        config.mentor_settings_category.as_deref(),
        Some("Category:Co-op mentor settings")
    );
}
