//! The greeting's sequence without a wiki: what is read when, and what is decided.

use std::path::Path;

use matchbot_config::{Config, MissingTalkPage};
use matchbot_model::{Decision, Level, PageRef, Request, RequestId, Timestamp, User};
use matchbot_wiki::{Revision, TalkPage};

use super::*;

const CATEGORY: &str = "Category:Co-op/Requests/Writing";
const TALK: &str = "Wikipedia talk:Co-op/Zoë";

fn config() -> Config {
    Config::from_json(
        include_str!("../../../config.example.json"),
        Path::new("config.example.json"),
        // A configuration needs a signing key, which only the environment or a file gives.
        |name| (name == "MATCHBOT_SIGNING_KEY").then(|| "k".repeat(32)),
    )
    .unwrap()
}

fn added() -> Timestamp {
    Timestamp::parse("2026-11-21T10:00:00Z").unwrap()
}

fn decision() -> Decision {
    Decision {
        request: Request {
            request_id: RequestId::new(7, CATEGORY, added()),
            profile: PageRef {
                id: 7,
                title: "Wikipedia:Co-op/Zoë".into(),
            },
            category: CATEGORY.into(),
            category_added: added(),
            learner: User {
                name: "Zoë".into(),
                id: 9,
            },
            scanned_at: added(),
            checkup: None,
            settings: None,
            learner_facts: None,
        },
        mentor: User {
            name: "Ada".into(),
            id: 5,
        },
        mentor_profile: None,
        level: Level::Skill,
        mentor_skill: "writing".into(),
        explanation: None,
        step: None,
    }
}

fn page(text: &str) -> TalkPage {
    TalkPage {
        title: TALK.into(),
        exists: true,
        content_model: Some("wikitext".into()),
        text: text.into(),
        revid: Some(1),
        templates: Vec::new(),
    }
}

fn board() -> TalkPage {
    TalkPage {
        content_model: Some("flow-board".into()),
        text: String::new(),
        ..page("")
    }
}

fn missing() -> TalkPage {
    TalkPage {
        title: TALK.into(),
        exists: false,
        content_model: None,
        text: String::new(),
        revid: None,
        templates: Vec::new(),
    }
}

/// The bot's revision that added a marker, when a test's page has one.
fn bots_revision() -> Revision {
    Revision {
        revid: 41,
        timestamp: added(),
    }
}

/// Follows the plan to its verdict, answering each read from `answers` (a marker on a page was
/// added by [`bots_revision`], unless the test said otherwise first), and says which reads it
/// asked for.
fn follow(
    config: &Config,
    read: &mut Read<'_>,
    dry_run: bool,
    answers: (bool, Option<&str>, &str),
) -> (Verdict, Vec<&'static str>) {
    let (has_flow, post, header) = answers;
    let mut asked = Vec::new();
    loop {
        match next(config, &decision(), read, dry_run) {
            Step::FindMarkerAuthor => {
                asked.push("author");
                read.marker_added = Some(Some(bots_revision()));
            }
            Step::AskForFlow => {
                asked.push("flow?");
                read.wiki_has_flow = Some(has_flow);
            }
            Step::FindMarkerOnBoard => {
                asked.push("topics");
                read.board_post = Some(post.map(str::to_owned));
            }
            Step::ReadBoardHeader => {
                asked.push("header");
                read.board_header = Some(header.to_owned());
            }
            Step::Decided(verdict) => return (verdict, asked),
        }
    }
}

#[test]
fn a_greeting_on_a_page_is_appended_with_its_marker_after_every_check_passed() {
    let page = page("Hello and welcome.");
    let mut read = Read::new(&page, Some(added()));
    let (verdict, asked) = follow(&config(), &mut read, false, (false, None, ""));
    assert!(asked.is_empty(), "a page needs nothing more: {asked:?}");
    let Verdict::Post {
        on,
        greeting,
        allowed,
    } = verdict
    else {
        panic!("expected a post, got {verdict:?}");
    };
    assert_eq!(on, Surface::Page);
    assert_eq!(allowed.title(), TALK);
    assert!(greeting.text.contains("[[User:Ada|Ada]]"));
    assert!(greeting.text.ends_with(&marker(&decision())));
}

#[test]
fn the_marker_is_looked_for_first_so_a_greeting_is_never_posted_twice() {
    // Even on a page that has since been tagged {{nobots}} and whose request was withdrawn:
    // the greeting is there, which is what the outcome must say.
    let text = format!("{{{{nobots}}}} {}", marker(&decision()));
    let page = page(&text);
    let mut read = Read::new(&page, None);
    let (verdict, asked) = follow(&config(), &mut read, false, (false, None, ""));
    assert_eq!(asked, ["author"]);
    assert!(
        matches!(
            &verdict,
            Verdict::PostedBefore {
                on: Surface::Page,
                postid: None,
                revision: Some(r),
            } if *r == bots_revision()
        ),
        "{verdict:?}"
    );

    let board = board();
    let mut read = Read::new(&board, None);
    let (verdict, asked) = follow(&config(), &mut read, false, (true, Some("xyz"), ""));
    assert_eq!(
        asked,
        ["topics"],
        "the header is not needed once the marker is found"
    );
    assert!(
        matches!(verdict, Verdict::PostedBefore { on: Surface::Board, postid: Some(p), revision: None } if p == "xyz")
    );
}

#[test]
fn a_withdrawn_or_superseded_request_is_skipped_before_bots_is_read() {
    let board = board();
    let mut read = Read::new(&board, None);
    let (verdict, asked) = follow(&config(), &mut read, false, (true, None, "{{nobots}}"));
    assert_eq!(asked, ["topics"]);
    assert!(
        matches!(&verdict, Verdict::Skip { reason } if reason.starts_with("request withdrawn: Category:Co-op/Requests/Writing is no longer on Wikipedia:Co-op/Zoë")),
        "{verdict:?}"
    );

    let page = page("");
    let later = added().plus_seconds(60);
    let mut read = Read::new(&page, Some(later));
    let (verdict, _) = follow(&config(), &mut read, false, (false, None, ""));
    assert!(
        matches!(&verdict, Verdict::Skip { reason } if reason.starts_with("request superseded:")),
        "{verdict:?}"
    );
}

#[test]
fn bots_templates_keep_the_greeting_off_a_page_and_off_a_board_whose_header_has_them() {
    let page = page("{{bots|deny=MatchBot}}");
    let mut read = Read::new(&page, Some(added()));
    let (verdict, _) = follow(&config(), &mut read, false, (false, None, ""));
    assert!(
        matches!(&verdict, Verdict::Skip { reason } if reason == "the page carries {{bots|deny=MatchBot}}"),
        "{verdict:?}"
    );

    let board = board();
    let mut read = Read::new(&board, Some(added()));
    let (verdict, asked) = follow(&config(), &mut read, false, (true, None, "{{nobots}}"));
    assert_eq!(asked, ["topics", "header"]);
    assert!(
        matches!(&verdict, Verdict::Skip { reason } if reason == "the page carries {{nobots}}"),
        "{verdict:?}"
    );
}

#[test]
fn a_board_gets_a_topic_of_the_greeting_alone() {
    let board = board();
    let mut read = Read::new(&board, Some(added()));
    let (verdict, _) = follow(&config(), &mut read, false, (true, None, "Welcome!"));
    let Verdict::Post { on, greeting, .. } = verdict else {
        panic!("expected a post, got {verdict:?}");
    };
    assert_eq!(on, Surface::Board);
    assert!(!greeting.text.contains("~~~~") && !greeting.text.contains("=="));
}

#[test]
fn a_missing_talk_page_becomes_a_board_only_when_asked_for_and_the_wiki_has_flow() {
    let missing = missing();
    let mut read = Read::new(&missing, Some(added()));
    let (verdict, asked) = follow(&config(), &mut read, false, (true, None, ""));
    assert!(
        asked.is_empty(),
        "wikitext is the default; Flow is not asked about"
    );
    assert!(matches!(
        verdict,
        Verdict::Post {
            on: Surface::Page,
            ..
        }
    ));

    let mut flow = config();
    flow.notifier.missing_talk_page = MissingTalkPage::Flow;
    for (has_flow, surface) in [(true, Surface::Board), (false, Surface::Page)] {
        let mut read = Read::new(&missing, Some(added()));
        let (verdict, asked) = follow(&flow, &mut read, false, (has_flow, None, ""));
        assert_eq!(
            asked,
            ["flow?"],
            "a board that does not exist has no topics or header"
        );
        assert!(
            matches!(&verdict, Verdict::Post { on, .. } if *on == surface),
            "{verdict:?}"
        );
    }
}

#[test]
fn a_dry_run_decides_everything_but_the_edit() {
    let page = page("");
    let mut read = Read::new(&page, Some(added()));
    let (verdict, _) = follow(&config(), &mut read, true, (false, None, ""));
    let Verdict::DryRun(greeting) = verdict else {
        panic!("expected a dry run, got {verdict:?}");
    };
    assert!(greeting.text.contains(&marker(&decision())));

    let excluded = page_with_nobots();
    let mut read = Read::new(&excluded, Some(added()));
    let (verdict, _) = follow(&config(), &mut read, true, (false, None, ""));
    assert!(matches!(verdict, Verdict::Skip { .. }), "{verdict:?}");
}

fn page_with_nobots() -> TalkPage {
    page("{{nobots}}")
}

#[test]
fn a_decision_naming_someone_mediawiki_would_refuse_is_refused_not_posted() {
    let mut d = decision();
    d.request.learner.name = "Zoë]]\n==Free money==\n[[User:Zoë".into();
    let page = page("Hello.");
    for dry_run in [false, true] {
        let read = Read::new(&page, Some(added()));
        let Step::Decided(verdict) = next(&config(), &d, &read, dry_run) else {
            panic!("a page needs nothing more");
        };
        assert!(
            matches!(&verdict, Verdict::Refuse { reason } if reason.starts_with("the learner's name \"Zoë]]\\n==Free")),
            "{verdict:?}"
        );
    }
}

#[test]
fn a_marker_the_bot_did_not_add_does_not_stop_the_greeting() {
    let text = format!("Planted by someone: {}", marker(&decision()));
    let page = page(&text);
    let mut read = Read::new(&page, Some(added()));
    read.marker_added = Some(None);
    let (verdict, _) = follow(&config(), &mut read, false, (false, None, ""));
    assert!(
        matches!(
            verdict,
            Verdict::Post {
                on: Surface::Page,
                ..
            }
        ),
        "{verdict:?}"
    );
}

#[test]
fn a_talk_page_using_a_skip_template_is_skipped_naming_it() {
    let mut config = config();
    config.gates.skip_templates = vec!["Template:Retired".into(), "Template:Wikibreak".into()];
    let d = decision();
    let mut retired = page("{{Retired}} Gone fishing.");
    retired.templates = vec!["Template:Retired".into()];
    let read = Read::new(&retired, Some(added()));
    let Step::Decided(Verdict::Skip { reason }) = next(&config, &d, &read, false) else {
        panic!("expected a skip");
    };
    assert_eq!(
        reason,
        "the talk page uses Template:Retired, one of gates.skip_templates"
    );
    // A template the configuration does not name counts for nothing.
    let mut other = page("Hello.");
    other.templates = vec!["Template:Welcome".into()];
    let read = Read::new(&other, Some(added()));
    assert!(matches!(
        next(&config, &d, &read, false),
        Step::Decided(Verdict::Post { .. })
    ));
}

#[test]
fn a_skip_template_counts_however_the_settings_spell_its_title() {
    let mut config = config();
    config.gates.skip_templates = vec!["Template:retired_user".into()];
    let d = decision();
    let mut retired = page("{{Retired user}}");
    retired.templates = vec!["Template:Retired user".into()];
    let read = Read::new(&retired, Some(added()));
    let Step::Decided(Verdict::Skip { reason }) = next(&config, &d, &read, false) else {
        panic!("expected a skip");
    };
    assert_eq!(
        reason,
        "the talk page uses Template:Retired user, one of gates.skip_templates"
    );
}

mod list;
