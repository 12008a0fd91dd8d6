//! One test per defect of the original MatchBot that this project fixes, named after it, as
//! ripgrep names its regressions after their issues. The defects are numbered, described and
//! mapped to their fixes in docs/ARCHITECTURE.md ("The original MatchBot's defects"); each test
//! says its number and fails if the fix is undone. Each runs where the behaviour lives:
//!
//! - `rules`: pure functions (the configuration, the matching policy, the greeting's plan and
//!   text, which links are requests), no I/O;
//! - `wiki`: the wiki client and the notifier's greeting against the fake wiki, which can answer
//!   503 after saving and counts every request;
//! - `pipeline`: the real binaries against the fake wiki and the real Redis and MariaDB.

use harness::fake_wiki::{Clock, FakeWiki};
use harness::{BOT_LOGIN, BOT_PASSWORD, Run};
use matchbot_config::Config;
use matchbot_model::{
    Decision, Level, Mentor, MentorPool, PageRef, Request, RequestId, Timestamp, User,
};
use matchbot_secret::Secret;
use matchbot_wiki::Client;

mod pipeline;
mod rules;
mod wiki;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const NOW: &str = "2026-11-21T10:00:00Z";

/// The shipped example configuration.
fn config() -> Config {
    harness::example_config()
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("a timestamp")
}

fn user(name: &str, id: u64) -> User {
    User {
        name: name.into(),
        id,
    }
}

/// A mentor whose profile is `Wikipedia:Co-op/<name>`, page id `id + 1000`.
fn mentor(name: &str, id: u64) -> Mentor {
    Mentor {
        user: user(name, id),
        profile: PageRef {
            id: id + 1000,
            title: format!("Wikipedia:Co-op/{name}"),
        },
    }
}

/// `learner`'s request made with `category` on their profile, page `page`, at [`NOW`].
fn request(learner: User, category: &str, page: u64) -> Request {
    Request {
        request_id: RequestId::new(page, category, at(NOW)),
        profile: PageRef {
            id: page,
            title: format!("Wikipedia:Co-op/{}", learner.name),
        },
        category: category.into(),
        category_added: at(NOW),
        learner,
        scanned_at: at(NOW),
        checkup: None,
        settings: None,
        learner_facts: None,
    }
}

/// A pool with `writing` mentors and `general` ones, and a maintainer.
fn pool(writing: Vec<Mentor>, general: Vec<Mentor>) -> MentorPool {
    MentorPool {
        taken_at: Some(at(NOW)),
        by_category: [(WRITING_MENTORS.to_owned(), writing)].into(),
        general,
        maintainer: Some(user("Maintainer", 1)),
        ..MentorPool::default()
    }
}

/// Ken's decision: `mentor` for his writing request, at `level`.
fn decision(learner: &str, mentor: &str, level: Level, skill: &str) -> Decision {
    Decision {
        request: request(user(learner, 51), WRITING, 7),
        mentor: user(mentor, 10),
        mentor_profile: None,
        level,
        mentor_skill: skill.into(),
        explanation: None,
        step: None,
    }
}

/// A client logged in to `wiki` as MatchBot, as the notifier would be.
async fn bot_client(wiki: &FakeWiki) -> Client {
    harness::add_matchbot(wiki);
    Client::builder(&wiki.api)
        .user_agent("User:Operator; operator@example.org")
        .bot_password(BOT_LOGIN, Secret::new(BOT_PASSWORD))
        .build()
        .await
        .expect("MatchBot logs in to the fake wiki")
}

/// How many edits MatchBot saved on `title`.
fn bot_edits(wiki: &FakeWiki, title: &str) -> usize {
    wiki.edits()
        .iter()
        .filter(|e| e.title == title && e.user == "MatchBot")
        .count()
}

/// A fake wiki holding a Co-op with only its maintainer, and a run of the real binaries
/// pointed at it, its database migrated.
async fn co_op(name: &str, clock: Clock) -> (FakeWiki, Run) {
    Run::on_fake_wiki(name, clock, |_| {}).await
}

/// `learner` makes a profile and asks for help with `category`, as a person would.
fn learner_asks(wiki: &FakeWiki, run: &Run, learner: &str, category: &str) {
    let profile = run.profile(learner);
    wiki.edit(learner, &profile, &format!("Hello! [[{category}]]"));
    wiki.categorize(&profile, category);
}
