//! Finding requests without a wiki: what a poll's changes and a reconcile's listing make of
//! the same links.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use matchbot_config::Config;
use matchbot_model::{RequestId, Timestamp, User};
use matchbot_wiki::{CategoryChange, CategoryMember, Membership, PageCategories};

use super::*;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

fn config() -> Config {
    Config::from_json(
        include_str!("../../../config.example.json"),
        Path::new("config.example.json"),
        // A configuration needs a signing key, which only the environment or a file gives.
        |name| (name == "MATCHBOT_SIGNING_KEY").then(|| "k".repeat(32)),
    )
    .unwrap()
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn change(pageid: u64, category: &str, when: &str) -> CategoryChange {
    CategoryChange {
        category: category.into(),
        pageid,
        revid: pageid * 10,
        timestamp: at(when),
    }
}

fn page(pageid: u64, title: &str, links: &[(&str, &str)]) -> PageCategories {
    PageCategories {
        pageid,
        title: title.into(),
        categories: links
            .iter()
            .map(|(category, added)| Membership {
                category: (*category).into(),
                added: at(added),
                sortkey_prefix: String::new(),
            })
            .collect(),
        creator: None,
    }
}

fn pages(list: Vec<PageCategories>) -> BTreeMap<u64, PageCategories> {
    list.into_iter().map(|p| (p.pageid, p)).collect()
}

const FLOOR: &str = "2026-11-20T00:00:00Z";

#[test]
fn a_change_is_a_request_only_while_the_profile_is_in_the_request_category() {
    let config = config();
    let changes = [
        change(1, WRITING, "2026-11-21T10:00:00Z"),
        change(2, WRITING, "2026-11-21T10:00:01Z"),
        change(3, WRITING_MENTORS, "2026-11-21T10:00:02Z"),
        change(4, WRITING, "2026-11-21T10:00:03Z"),
        change(5, WRITING, "2026-11-21T10:00:04Z"),
    ];
    let pages = pages(vec![
        page(
            1,
            "Wikipedia:Co-op/Zoë",
            &[(WRITING, "2026-11-21T10:00:00Z")],
        ),
        // Taken off again since, or the change was the removal.
        page(2, "Wikipedia:Co-op/Ken", &[]),
        page(
            3,
            "Wikipedia:Co-op/Ada",
            &[(WRITING_MENTORS, "2026-11-21T10:00:02Z")],
        ),
        page(
            4,
            "Wikipedia:Co-operation/Lin",
            &[(WRITING, "2026-11-21T10:00:03Z")],
        ),
        // Page 5 was deleted before it could be read.
    ]);
    let found = from_changes(&config, &changes, &pages, at(FLOOR));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].title, "Wikipedia:Co-op/Zoë");
    assert_eq!(
        found[0].key.request_id,
        RequestId::new(1, WRITING, at("2026-11-21T10:00:00Z"))
    );
}

#[test]
fn the_category_add_time_is_the_page_s_not_the_change_s() {
    let config = config();
    // The change was noted late, and the link was made again since: the request is the link
    // there is now.
    let changes = [change(1, WRITING, "2026-11-21T10:00:00Z")];
    let pages = pages(vec![page(
        1,
        "Wikipedia:Co-op/Zoë",
        &[(WRITING, "2026-11-21T11:30:00Z")],
    )]);
    let found = from_changes(&config, &changes, &pages, at(FLOOR));
    assert_eq!(found[0].key.category_added, at("2026-11-21T11:30:00Z"));
}

#[test]
fn nothing_before_the_floor_is_a_request_whether_polled_or_listed() {
    let config = config();
    let old = "2026-11-19T23:59:59Z";
    let changes = [change(1, WRITING, old)];
    let pages = pages(vec![page(1, "Wikipedia:Co-op/Zoë", &[(WRITING, old)])]);
    assert!(from_changes(&config, &changes, &pages, at(FLOOR)).is_empty());
    let members = [member(1, "Wikipedia:Co-op/Zoë", old)];
    assert!(from_listing(&config, WRITING, &members, at(FLOOR)).is_empty());
}

fn member(pageid: u64, title: &str, added: &str) -> CategoryMember {
    CategoryMember {
        pageid,
        ns: 4,
        title: title.into(),
        timestamp: at(added),
        sortkeyprefix: String::new(),
    }
}

#[test]
fn a_poll_and_a_reconcile_find_the_same_request_for_the_same_link() {
    let config = config();
    let added = "2026-11-21T10:00:00Z";
    let polled = from_changes(
        &config,
        &[change(7, WRITING, added)],
        &pages(vec![page(7, "Wikipedia:Co-op/Mo", &[(WRITING, added)])]),
        at(FLOOR),
    );
    let listed = from_listing(
        &config,
        WRITING,
        &[
            member(7, "Wikipedia:Co-op/Mo", added),
            member(8, "Wikipedia:Co-op", added),
            member(9, "Template:Co-op/Mo", added),
        ],
        at(FLOOR),
    );
    assert_eq!(polled, listed, "only the profile counts, and alike");
}

#[test]
fn a_request_handed_out_before_or_seen_twice_in_one_scan_is_kept_once_or_not_at_all() {
    let config = config();
    let added = "2026-11-21T10:00:00Z";
    let members = [
        member(1, "Wikipedia:Co-op/A", added),
        member(2, "Wikipedia:Co-op/B", added),
        member(1, "Wikipedia:Co-op/A", added),
    ];
    let found = from_listing(&config, WRITING, &members, at(FLOOR));
    let seen: HashMap<RequestId, i64> = [(found[1].key.request_id.clone(), 0)].into();
    let kept = unseen(found, &seen, None);
    let titles: Vec<&str> = kept.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["Wikipedia:Co-op/A"]);
}

#[test]
fn a_sighting_becomes_the_request_of_its_learner() {
    let config = config();
    let added = "2026-11-21T10:00:00Z";
    let found = from_listing(
        &config,
        WRITING,
        &[member(1, "Wikipedia:Co-op/Zoë", added)],
        at(FLOOR),
    );
    let learner = User {
        name: "Zoë".into(),
        id: 9,
    };
    let scanned = at("2026-11-21T10:00:05Z");
    let request = found[0].clone().into_request(learner.clone(), scanned);
    assert_eq!(request.learner, learner);
    assert_eq!(request.profile.id, 1);
    assert_eq!(request.profile.title, "Wikipedia:Co-op/Zoë");
    assert_eq!(request.category, WRITING);
    assert_eq!(request.category_added, at(added));
    assert_eq!(request.scanned_at, scanned);
    assert_eq!(request.request_id, found[0].key.request_id);
}

#[test]
fn a_request_handed_out_before_is_kept_again_only_once_its_row_is_overdue() {
    let config = config();
    let added = "2026-11-21T10:00:00Z";
    let members = [
        member(1, "Wikipedia:Co-op/A", added),
        member(2, "Wikipedia:Co-op/B", added),
        member(3, "Wikipedia:Co-op/C", added),
    ];
    let found = from_listing(&config, WRITING, &members, at(FLOOR));
    let handed_out = at("2026-11-21T10:00:05Z").unix();
    let seen: HashMap<RequestId, i64> = [
        (found[0].key.request_id.clone(), handed_out),
        (found[1].key.request_id.clone(), handed_out + 1),
    ]
    .into();
    let titles =
        |kept: Vec<Sighting>| -> Vec<String> { kept.into_iter().map(|s| s.title).collect() };
    let again = |now: &str| {
        Some(Again {
            now: at(now),
            after_seconds: 3600,
        })
    };
    // A poll never hands out again; a reconcile within the grace neither.
    assert_eq!(
        titles(unseen(found.clone(), &seen, None)),
        ["Wikipedia:Co-op/C"]
    );
    assert_eq!(
        titles(unseen(found.clone(), &seen, again("2026-11-21T11:00:04Z"))),
        ["Wikipedia:Co-op/C"]
    );
    // A's hour is up to the second; B's a second later.
    assert_eq!(
        titles(unseen(found.clone(), &seen, again("2026-11-21T11:00:05Z"))),
        ["Wikipedia:Co-op/A", "Wikipedia:Co-op/C"]
    );
    assert_eq!(
        titles(unseen(found, &seen, again("2026-11-21T11:00:06Z"))),
        [
            "Wikipedia:Co-op/A",
            "Wikipedia:Co-op/B",
            "Wikipedia:Co-op/C"
        ]
    );
}

#[test]
fn a_held_request_is_handed_out_again_only_while_the_wiki_still_shows_it() {
    let config = config();
    let added = "2026-11-21T10:00:00Z";
    let media = "Category:Co-op/Requests/Images and media";
    let standing = RequestId::new(1, WRITING, at(added));
    let other_skill = RequestId::new(2, media, at(added));
    let withdrawn = RequestId::new(3, WRITING, at(added));
    let added_again = RequestId::new(4, WRITING, at(added));
    let page_gone = RequestId::new(5, WRITING, at(added));
    let moved_out = RequestId::new(6, WRITING, at(added));
    let before_floor = RequestId::new(7, WRITING, at("2026-11-19T10:00:00Z"));
    let not_a_request = RequestId::new(8, WRITING_MENTORS, at(added));
    let garbage = RequestId::from_stored("8-not-an-id".into());
    let wiki = pages(vec![
        page(1, "Wikipedia:Co-op/A", &[(WRITING, added)]),
        page(2, "Wikipedia:Co-op/B", &[(WRITING, added), (media, added)]),
        page(3, "Wikipedia:Co-op/C", &[]),
        page(4, "Wikipedia:Co-op/D", &[(WRITING, "2026-11-21T11:00:00Z")]),
        page(6, "User:F/Co-op", &[(WRITING, added)]),
        page(7, "Wikipedia:Co-op/G", &[(WRITING, "2026-11-19T10:00:00Z")]),
        page(8, "Wikipedia:Co-op/H", &[(WRITING_MENTORS, added)]),
    ]);
    let held = [
        standing.clone(),
        other_skill.clone(),
        withdrawn.clone(),
        added_again.clone(),
        page_gone.clone(),
        moved_out.clone(),
        before_floor.clone(),
        not_a_request.clone(),
        garbage.clone(),
    ];
    let (found, gone) = from_held(&config, &held, &wiki, at(FLOOR));
    let found: Vec<(RequestId, &str, &str)> = found
        .iter()
        .map(|s| {
            (
                s.key.request_id.clone(),
                s.title.as_str(),
                s.key.category.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (standing, "Wikipedia:Co-op/A", WRITING),
            // The category is recovered from the id, not from the page's first request.
            (other_skill, "Wikipedia:Co-op/B", media),
        ]
    );
    assert_eq!(
        gone,
        [
            withdrawn,
            added_again,
            page_gone,
            moved_out,
            before_floor,
            not_a_request,
            garbage
        ],
        "withdrawn, added again later (a new request), deleted, moved off the Co-op, older \
         than the floor, not a request category, or no id at all: forgotten"
    );
}

#[test]
fn a_held_request_keeps_its_category_add_time_and_profile() {
    let config = config();
    let added = "2026-11-21T10:00:00Z";
    let id = RequestId::new(1, WRITING, at(added));
    let wiki = pages(vec![page(1, "Wikipedia:Co-op/A", &[(WRITING, added)])]);
    let (found, gone) = from_held(&config, std::slice::from_ref(&id), &wiki, at(FLOOR));
    assert!(gone.is_empty());
    let learner = User {
        name: "A".into(),
        id: 3,
    };
    let request = found[0]
        .clone()
        .into_request(learner, at("2026-11-21T12:00:00Z"));
    assert_eq!(request.request_id, id, "the same request, not a new one");
    assert_eq!(request.category_added, at(added));
    assert_eq!(request.profile.id, 1);
    assert_eq!(request.learner_facts, None, "read afresh by the scanner");
}
