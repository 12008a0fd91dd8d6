//! Reading accounts from `list=users` answers shaped as MediaWiki 1.39 gives them
//! (`formatversion=2`, `usprop=blockinfo|editcount|registration`).

use serde_json::json;

use super::*;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// An answer the sandbox gave, word for word, with two more accounts in the same shape: one
/// partially blocked (one page), one older than the wiki's record of registrations.
fn answer() -> Value {
    json!({"batchcomplete": true, "query": {"users": [
        {"name": "Bad#name", "invalid": true},
        {"userid": 20, "name": "Gated7808", "editcount": 1,
         "registration": "2026-12-03T12:32:23Z", "blockid": 4, "blockedby": "Admin",
         "blockedbyid": 1, "blockreason": "test", "blockedtimestamp": "2026-12-03T12:32:23Z",
         "blockexpiry": "infinite", "blockpartial": false, "blocknocreate": true,
         "blockanononly": false, "blockedtimestampformatted": "12:32, 3 December 2026"},
        {"userid": 4, "name": "Maintainer", "editcount": 47,
         "registration": "2026-12-03T12:15:32Z"},
        {"userid": 21, "name": "Partly", "editcount": 12,
         "registration": "2026-11-01T08:00:00Z", "blockid": 5, "blockedby": "Admin",
         "blockedbyid": 1, "blockreason": "edit warring on one article",
         "blockedtimestamp": "2026-12-03T12:40:00Z", "blockexpiry": "2026-12-10T12:40:00Z",
         "blockpartial": true, "blocknocreate": false, "blockanononly": false},
        {"userid": 2, "name": "Old timer", "editcount": 30_000, "registration": null},
        {"userid": 3, "name": "Older timer", "editcount": 0, "registration": ""},
        {"name": "NoSuchUserXyz", "missing": true}
    ]}})
}

#[test]
fn a_sitewide_block_counts_and_a_partial_one_does_not() {
    let accounts = read_accounts(&answer());
    assert_eq!(
        accounts["Gated7808"],
        AccountFacts {
            blocked: true,
            registered: Some(at("2026-12-03T12:32:23Z")),
            edits: 1,
        }
    );
    assert_eq!(
        accounts["Partly"],
        AccountFacts {
            blocked: false,
            registered: Some(at("2026-11-01T08:00:00Z")),
            edits: 12,
        },
        "a block from one page leaves the learner's talk page open"
    );
    assert!(!accounts["Maintainer"].blocked, "no blockid: not blocked");
}

#[test]
fn the_edit_count_is_read_and_a_registration_may_be_missing() {
    let accounts = read_accounts(&answer());
    assert_eq!(accounts["Maintainer"].edits, 47);
    assert_eq!(
        accounts["Old timer"],
        AccountFacts {
            blocked: false,
            registered: None,
            edits: 30_000,
        },
        "null: registered before MediaWiki recorded registrations"
    );
    assert_eq!(accounts["Older timer"].registered, None);
    assert_eq!(accounts["Older timer"].edits, 0);
}

#[test]
fn missing_and_invalid_names_are_no_accounts() {
    let accounts = read_accounts(&answer());
    let names: Vec<&str> = accounts.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "Gated7808",
            "Maintainer",
            "Old timer",
            "Older timer",
            "Partly"
        ]
    );
    assert!(read_accounts(&json!({"batchcomplete": true})).is_empty());
}
