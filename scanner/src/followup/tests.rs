//! Which edits count as contact, and what a checkup says of a learner's activity.

use std::path::Path;

use matchbot_model::{Event, EventKind, Level, RequestId};

use super::*;

fn config() -> Config {
    let json = include_str!("../../../config.example.json").replacen(
        '{',
        r#"{"lifecycle": {"new_mentor_category": "Category:Co-op/New mentor"},"#,
        1,
    );
    Config::from_json(&json, Path::new("config.json"), |name| {
        (name == "MATCHBOT_SIGNING_KEY").then(|| "k".repeat(32))
    })
    .unwrap()
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::parse("2026-11-01T10:00:00Z")
        .unwrap()
        .plus_seconds(seconds)
}

fn user(name: &str, id: u64) -> User {
    User {
        name: name.into(),
        id,
    }
}

fn open() -> OpenMatch {
    let category = "Category:Co-op/Requests/Writing";
    OpenMatch {
        request_id: RequestId::new(8, category, at(0)),
        learner: user("Ken", 10),
        profile_id: 8,
        talk_page: "Wikipedia talk:Co-op/Ken".into(),
        category: category.into(),
        category_added: at(0),
        scanned_at: at(5),
        events: vec![Event {
            step: "greeting".into(),
            kind: EventKind::Greeted,
            at: at(100),
            mentor: user("Ada", 1),
            level: Level::Skill,
            from: None,
            reason: None,
            outcome: "posted".into(),
        }],
    }
}

fn edit(by: &User, ns: i64, title: &str, t: i64, revid: u64) -> Contribution {
    Contribution {
        user: by.name.clone(),
        userid: by.id,
        title: title.into(),
        ns,
        revid,
        timestamp: at(t),
    }
}

fn seen(talk_edits: Vec<Contribution>) -> Seen {
    Seen {
        at: Some(at(10_000)),
        talk_edits,
        edits_since: Some(at(-1000)),
        edits_complete: true,
        ..Seen::default()
    }
}

fn contact(edits: Vec<Contribution>) -> Option<Contact> {
    let request = checkup(&config(), &open(), &seen(edits)).unwrap();
    request.checkup.unwrap().contact
}

#[test]
fn the_mentor_on_the_learners_talk_pages_or_the_learner_on_the_mentors_is_contact() {
    let (ada, ken) = (user("Ada", 1), user("Ken", 10));
    let on_profile_talk = edit(&ada, 5, "Wikipedia talk:Co-op/Ken", 200, 7);
    assert_eq!(contact(vec![on_profile_talk]).unwrap().revid, 7);
    let on_user_talk = edit(&ada, USER_TALK, "User talk:Ken", 300, 8);
    assert_eq!(contact(vec![on_user_talk]).unwrap().page, "User talk:Ken");
    let learner_writes = edit(&ken, USER_TALK, "User talk:Ada", 400, 9);
    let found = contact(vec![learner_writes]).unwrap();
    assert_eq!((found.by, found.revid), (ken.clone(), 9));
    // The oldest counts.
    let both = vec![
        edit(&ada, USER_TALK, "User talk:Ken", 900, 11),
        edit(&ken, USER_TALK, "User talk:Ada", 500, 10),
    ];
    assert_eq!(contact(both).unwrap().revid, 10);
}

#[test]
fn other_edits_are_not_contact() {
    let (ada, ken, bea) = (user("Ada", 1), user("Ken", 10), user("Bea", 2));
    for not_contact in [
        // Before the mentor was assigned.
        edit(&ada, 5, "Wikipedia talk:Co-op/Ken", 50, 1),
        // The learner on their own talk page.
        edit(&ken, 5, "Wikipedia talk:Co-op/Ken", 200, 2),
        // Someone else.
        edit(&bea, USER_TALK, "User talk:Ken", 200, 3),
        // The mentor elsewhere, or a page only named like a user talk page.
        edit(&ada, USER_TALK, "User talk:Kenneth", 200, 4),
        edit(&ada, 1, "Talk:Ken", 200, 5),
    ] {
        assert_eq!(contact(vec![not_contact.clone()]), None, "{not_contact:?}");
    }
}

#[test]
fn an_unseen_learner_is_known_inactive_only_when_every_edit_was_read() {
    let mut s = seen(vec![]);
    let read = |s: &Seen| {
        checkup(&config(), &open(), s)
            .unwrap()
            .checkup
            .unwrap()
            .edits_read_since
    };
    assert_eq!(read(&s), Some(at(-1000)));
    s.edits_complete = false;
    assert_eq!(read(&s), None, "not all read: unknown");
    s.learner_edits.insert("Ken".into(), at(9000));
    assert_eq!(read(&s), Some(at(-1000)), "seen: active");
}

#[test]
fn the_profiles_categories_give_the_request_and_the_wish() {
    let mut s = seen(vec![]);
    let request = checkup(&config(), &open(), &s).unwrap();
    assert_eq!(request.profile.title, "Wikipedia:Co-op/Ken");
    let c = request.checkup.unwrap();
    assert_eq!((c.request_added, c.wish), (None, None), "profile gone");
    let member = |category: &str, added: Timestamp| matchbot_wiki::Membership {
        category: category.into(),
        added,
        sortkey_prefix: String::new(),
    };
    let page = PageCategories {
        pageid: 8,
        title: "Wikipedia:Co-op/Ken".into(),
        categories: vec![
            member("Category:Co-op/Requests/Writing", at(0)),
            member("Category:Co-op/New mentor", at(86_400)),
        ],
        creator: None,
    };
    s.profiles.insert(8, page);
    let c = checkup(&config(), &open(), &s).unwrap().checkup.unwrap();
    assert_eq!(c.request_added, Some(at(0)));
    assert_eq!(c.wish, Some(at(86_400)));
}
