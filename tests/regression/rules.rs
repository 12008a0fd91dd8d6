//! The original's defects that lived in its rules: what a configuration may say, whom it
//! matched, what a greeting claimed, which pages it took for profiles.

use std::collections::BTreeMap;
use std::path::Path;

use matchbot_config::{Config, ConfigError, MissingTalkPage, render};
use matchbot_matcher::{History, Place, Policy, PolicyError};
use matchbot_model::{Level, Reason};
use matchbot_notifier::plan::{self, Read, Step, Surface, Verdict};
use matchbot_notifier::{MESSAGE_TYPE, render_greeting};
use matchbot_scanner::requests;
use matchbot_wiki::exclusion;
use matchbot_wiki::{CategoryChange, Membership, PageCategories, TalkPage};
use serde_json::{Value, json};

use super::*;

const TALK: &str = "Wikipedia talk:Co-op/Ken";

fn talk_page(text: &str) -> TalkPage {
    TalkPage {
        title: TALK.into(),
        exists: true,
        content_model: Some("wikitext".into()),
        text: text.into(),
        revid: Some(1),
        templates: Vec::new(),
    }
}

fn verdict(config: &Config, decision: &Decision, read: &Read<'_>) -> Verdict {
    match plan::next(config, decision, read, false) {
        Step::Decided(verdict) => verdict,
        other => panic!("expected a verdict without more reads, got {other:?}"),
    }
}

/// Defect 7: a profile deleted between the listing and the lookup crashed the whole run, and
/// every later learner with it. A page that is gone is skipped; the others are requests.
#[test]
fn orig_crash_on_a_vanished_profile() {
    let change = |pageid| CategoryChange {
        category: WRITING.into(),
        pageid,
        revid: pageid * 10,
        timestamp: at(NOW),
    };
    // Page 5 was deleted before it could be read: the lookup has only page 1.
    let pages = BTreeMap::from([(
        1,
        PageCategories {
            pageid: 1,
            title: "Wikipedia:Co-op/Ken".into(),
            categories: vec![Membership {
                category: WRITING.into(),
                added: at(NOW),
                sortkey_prefix: String::new(),
            }],
            creator: Some(user("Ken", 51)),
        },
    )]);
    let found = requests::from_changes(&config(), &[change(5), change(1)], &pages, at(NOW));
    let titles: Vec<&str> = found.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["Wikipedia:Co-op/Ken"]);
}

/// Defect 8: with nobody free and no default mentor, the run crashed on `None`. Now that one
/// request is refused by name (the matcher dead-letters it) and the next is decided.
#[test]
fn orig_crash_without_a_default_mentor() {
    let mut nobody = pool(vec![], vec![]);
    nobody.maintainer = None;
    let policy = Policy::new(&config());
    assert_eq!(
        policy.decide(
            &request(user("Ken", 51), WRITING, 1),
            &nobody,
            &History::new()
        ),
        Err(PolicyError::NoMaintainer)
    );
    let mut some = nobody.clone();
    some.by_category
        .insert(WRITING_MENTORS.into(), vec![mentor("Ada", 10)]);
    let decided = policy
        .decide(&request(user("Mo", 52), WRITING, 2), &some, &History::new())
        .expect("a mentor is free");
    assert_eq!(decided.mentor.name, "Ada");
}

/// Defect 10: the shipped sample had 5 skills for 6 categories; `zip` cut the list silently and
/// every "Images and media" request was lost. The sample is refused, naming the lists.
#[test]
fn orig_five_skills_sample_config() {
    let sample = include_str!("../../crates/config/tests/data/original-sample.json");
    let refused = Config::from_json(sample, Path::new("config.json"), signing_key_only);
    let Err(ConfigError::Invalid { problems, .. }) = refused else {
        panic!("the original sample was accepted");
    };
    assert!(
        problems.iter().any(|p| p.to_string().starts_with(
            "categories.skillslist: has 5 entries but categories.requestcategories has 6"
        )),
        "{problems:?}"
    );
    let mut fixed: Value = serde_json::from_str(sample).expect("JSON");
    fixed["categories"]["skillslist"]
        .as_array_mut()
        .expect("a list")
        .push(json!("images and media"));
    fixed["login"]["useragent"] = json!("MatchBot. Run by User:Jtmorgan");
    let config = Config::from_json(
        &fixed.to_string(),
        Path::new("config.json"),
        signing_key_only,
    )
    .expect("six skills for six categories");
    assert_eq!(config.skill_requested_with(MEDIA), "images and media");
}

/// Defect 12: greetings went through Python's `str.format`, so `{{templates}}` and lone braces
/// broke them. Only `{N}` is a placeholder; every other brace is kept.
#[test]
fn orig_format_string_braces() {
    assert_eq!(
        render("{{Co-op welcome}} {0} { } {x} {}", &["Ann"]),
        "{{Co-op welcome}} Ann { } {x} {}"
    );
    let mut config: Value =
        serde_json::from_str(include_str!("../../config.example.json")).expect("JSON");
    config["greetings"]["matchgreeting"] = json!("{{W}} [[User:{0}|{0}]] offers {1} {");
    let config = Config::from_json(&config.to_string(), Path::new("c.json"), signing_key_only)
        .expect("a greeting with templates is valid");
    let greeting = render_greeting(&config, &decision("Ken", "Ada", Level::Skill, "writing"))
        .expect("renders");
    assert!(
        greeting
            .text
            .contains("{{W}} [[User:Ada|Ada]] offers writing {"),
        "{}",
        greeting.text
    );
}

/// Defect 13: a missing talk page always went to Flow, which needs a right the bot may not
/// have, on a wiki that may not run Flow; the learner was lost. It becomes a wikitext page
/// unless the configuration asks for a board and the wiki has Flow.
#[test]
fn orig_lost_learner_on_missing_talk_page() {
    let missing = TalkPage {
        exists: false,
        content_model: None,
        revid: None,
        ..talk_page("")
    };
    let d = decision("Ken", "Ada", Level::Skill, "writing");
    let read = Read::new(&missing, Some(d.request.category_added));
    assert!(matches!(
        verdict(&config(), &d, &read),
        Verdict::Post {
            on: Surface::Page,
            ..
        }
    ));
    let mut flow = config();
    flow.notifier.missing_talk_page = MissingTalkPage::Flow;
    let mut read = Read::new(&missing, Some(d.request.category_added));
    read.wiki_has_flow = Some(false);
    assert!(matches!(
        verdict(&flow, &d, &read),
        Verdict::Post {
            on: Surface::Page,
            ..
        }
    ));
}

/// Defect 14: a learner who was also a mentor of the skill could be matched with themself.
#[test]
fn orig_self_match() {
    let both = pool(
        vec![mentor("Ada", 10), mentor("Bea", 20)],
        vec![mentor("Ada", 10)],
    );
    let policy = Policy::new(&config());
    for page in 0..200 {
        let d = policy
            .decide(
                &request(user("Ada", 10), WRITING, page),
                &both,
                &History::new(),
            )
            .expect("decided");
        assert_eq!(d.mentor.name, "Bea", "request {page}");
    }
    let alone = pool(vec![mentor("Ada", 10)], vec![]);
    let d = policy
        .decide(
            &request(user("Ada", 10), WRITING, 1),
            &alone,
            &History::new(),
        )
        .expect("decided");
    assert_eq!(d.level, Level::Maintainer);
    let reasons: Vec<&Reason> = d
        .explanation
        .iter()
        .flat_map(|e| &e.levels)
        .flat_map(|l| &l.excluded)
        .map(|e| &e.reason)
        .collect();
    assert_eq!(reasons, [&Reason::IsTheLearner]);
}

/// Defect 15: no load balancing: a mentor got learner after learner with no cap. A mentor at
/// their cap is passed over, and with `least-loaded` the less loaded mentor is likelier.
#[test]
fn orig_no_load_balancing() {
    let mentors = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![]);
    let mut busy = History::new();
    for i in 0..3 {
        let earlier = Request {
            category_added: at(NOW).plus_seconds(-3600 - i),
            ..request(
                user(&format!("E{i}"), 900 + i as u64),
                WRITING,
                9000 + i as u64,
            )
        };
        busy.add_load(10, Place::of(&earlier));
    }
    let mut capped = config();
    capped.matcher.max_active = Some(3);
    let policy = Policy::new(&capped);
    for page in 0..100 {
        let d = policy
            .decide(&request(user("Zoë", 50), WRITING, page), &mentors, &busy)
            .expect("decided");
        assert_eq!(d.mentor.name, "Bea", "Ada has 3 learners, her cap");
    }
    let policy = Policy::new(&config());
    let to_ada = (0..1000)
        .filter(|page| {
            policy
                .decide(&request(user("Zoë", 50), WRITING, *page), &mentors, &busy)
                .is_ok_and(|d| d.mentor.name == "Ada")
        })
        .count();
    // Weights 1/(1+3) against 1/(1+0): Ada should get about a fifth.
    assert!((120..=280).contains(&to_ada), "Ada got {to_ada} of 1000");
}

/// Defect 16: anything that rewrote a category link matched the learner again and greeted
/// again. The same link is one request, whenever it is seen; a link taken off and put back
/// before the greeting supersedes the old request instead of greeting twice.
#[test]
fn orig_rematch_on_a_readded_category() {
    let d = decision("Ken", "Ada", Level::Skill, "writing");
    assert_eq!(
        d.request.request_id,
        RequestId::new(7, WRITING, d.request.category_added),
        "the same profile, category and time are the same request"
    );
    let page = talk_page("Hello.");
    let read = Read::new(&page, Some(d.request.category_added.plus_seconds(60)));
    assert!(
        matches!(verdict(&config(), &d, &read), Verdict::Skip { reason } if reason.starts_with("request superseded:"))
    );
}

/// Defect 17: a general mentor was announced as having listed the skill the learner asked
/// for. The greeting names the skill the mentor offers.
#[test]
fn orig_lying_general_fallback() {
    let config = config();
    let general = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)]);
    let d = Policy::new(&config)
        .decide(
            &request(user("Ken", 51), MEDIA, 501),
            &general,
            &History::new(),
        )
        .expect("decided");
    assert_eq!(
        (d.level, d.mentor.name.as_str(), d.mentor_skill.as_str()),
        (Level::General, "Grace", "general editing skills")
    );
    let greeting = render_greeting(&config, &d).expect("renders");
    assert!(
        greeting
            .text
            .contains("[[User:Grace|Grace]] offers mentoring in \"general editing skills\""),
        "{}",
        greeting.text
    );
    assert!(
        !greeting.text.contains("images and media"),
        "{}",
        greeting.text
    );
}

/// Defect 19: profiles were told by a bare prefix, so `Wikipedia:Co-operation/…` and the main
/// page itself counted. Only subpages of `pages.main` are profiles.
#[test]
fn orig_loose_prefix_filter() {
    let pages = config().pages;
    for title in [
        "Wikipedia:Co-operation/Lin",
        "Wikipedia:Co-op",
        "Wikipedia:Co-op/",
        "File:Co-op/Lin.png",
    ] {
        assert!(!pages.is_profile(title), "{title} is not a profile");
    }
    assert!(pages.is_profile("Wikipedia:Co-op/Zoë"));
    assert_eq!(
        pages.talk_page_of("Wikipedia:Co-operation/Lin"),
        None,
        "and so no talk page to greet on"
    );
}

/// Defect 20: nothing was checked at the time of posting: a learner who had taken the request
/// back was greeted all the same. The request category is read with the talk page.
#[test]
fn orig_no_post_time_check() {
    let d = decision("Ken", "Ada", Level::Skill, "writing");
    let page = talk_page("Hello.");
    let read = Read::new(&page, None);
    assert!(
        matches!(verdict(&config(), &d, &read), Verdict::Skip { reason } if reason.starts_with("request withdrawn:"))
    );
}

/// Defect 23, the templates: `{{bots}}`/`{{nobots}}` were never read. A page that keeps
/// MatchBot out gets no greeting, and no edit can be made without the page's verdict.
#[test]
fn orig_ignores_nobots() {
    for text in [
        "{{nobots}}",
        "{{bots|deny=MatchBot}}",
        "{{bots|optout=matchbot}}",
    ] {
        assert!(
            exclusion::permit(TALK, text, "MatchBot", MESSAGE_TYPE).is_err(),
            "{text}"
        );
        let d = decision("Ken", "Ada", Level::Skill, "writing");
        let page = talk_page(text);
        let read = Read::new(&page, Some(d.request.category_added));
        assert!(
            matches!(verdict(&config(), &d, &read), Verdict::Skip { reason } if reason.contains(text)),
            "{text}"
        );
    }
}

/// No environment but a signing key, which no configuration file holds.
fn signing_key_only(name: &str) -> Option<String> {
    (name == "MATCHBOT_SIGNING_KEY").then(|| "the regression tests' signing key, 32+".to_owned())
}
