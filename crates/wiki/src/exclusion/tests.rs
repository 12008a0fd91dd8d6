//! What the templates mean, and that the check stays fast on any page.

use super::*;
use std::time::{Duration, Instant};

fn allowed(text: &str) -> bool {
    check(text, "MatchBot", "matchbot").is_ok()
}

#[test]
fn plain_pages_and_bare_bots_are_fine() {
    assert!(allowed("Hello, this is my talk page."));
    assert!(allowed("{{bots}}"));
    assert!(allowed("{{Welcome}} {{talkheader}}"));
    assert!(allowed("{{robots}} {{nobotsplease}}"));
}

#[test]
fn nobots_forbids_everyone() {
    assert!(!allowed("{{nobots}}"));
    assert!(!allowed("text\n{{ Nobots }}\nmore"));
    assert!(!allowed("{{Template:nobots}}"));
    assert!(!allowed("{{template: Nobots}}"));
    assert_eq!(
        check("{{nobots}}", "MatchBot", "matchbot")
            .unwrap_err()
            .to_string(),
        "the page carries {{nobots}}"
    );
}

#[test]
fn nobots_with_names_forbids_only_those() {
    assert!(!allowed("{{nobots|MatchBot}}"));
    assert!(!allowed("{{nobots|SineBot, matchBot}}"));
    assert!(!allowed("{{nobots|all}}"));
    assert!(
        !allowed("{{nobots|matchbot}}"),
        "the message type counts too"
    );
    assert!(allowed("{{nobots|SineBot}}"));
}

#[test]
fn nobots_with_a_key_is_declined_as_pywikibot_does() {
    assert!(!allowed("{{nobots|deny=OtherBot}}"));
    assert!(!allowed("{{nobots|allow=MatchBot}}"));
}

#[test]
fn allow_lists_only_let_named_bots_in() {
    assert!(allowed("{{bots|allow=SineBot,MatchBot}}"));
    assert!(allowed("{{bots|allow=all}}"));
    assert!(!allowed("{{bots|allow=SineBot}}"));
    assert!(!allowed("{{bots|allow=none}}"));
}

#[test]
fn deny_lists_keep_named_bots_out() {
    assert!(!allowed("{{bots|deny=MatchBot}}"));
    assert!(!allowed("{{bots| deny = SineBot , matchBot }}"));
    assert!(!allowed("{{bots|deny=all}}"));
    assert!(allowed("{{bots|deny=none}}"));
    assert!(allowed("{{bots|deny=SineBot}}"));
    assert!(
        allowed("{{bots|deny=MatchBot2}}"),
        "a name is matched whole"
    );
}

#[test]
fn optout_names_message_types() {
    assert!(!allowed("{{bots|optout=matchbot}}"));
    assert!(!allowed("{{bots|optout=nosource, matchbot}}"));
    assert!(!allowed("{{bots|optout=all}}"));
    assert!(allowed("{{bots|optout=nosource,afd}}"));
}

#[test]
fn scripts_are_matched_by_message_type() {
    assert!(!allowed("{{bots|denyscript=matchbot}}"));
    assert!(allowed("{{bots|allowscript=matchbot}}"));
    assert!(!allowed("{{bots|allowscript=archivebot}}"));
}

#[test]
fn malformed_templates_forbid_nothing() {
    assert!(allowed("{{bots|MatchBot}}"), "a name without a key");
    assert!(allowed("{{bots|deny=}}"), "a key without names");
    assert!(allowed("{{bots|unknown=MatchBot}}"));
    assert!(
        allowed("{{bots|deny=SineBot|deny=MatchBot}}"),
        "only the first parameter is read"
    );
}

#[test]
fn any_template_that_forbids_wins() {
    assert!(!allowed("{{bots|allow=MatchBot}} {{nobots}}"));
    assert!(!allowed("{{nobots}} {{bots|allow=MatchBot}}"));
    assert!(!allowed("{{bots|deny=SineBot}} {{bots|deny=MatchBot}}"));
    assert!(allowed("{{bots|deny=SineBot}} {{bots|optout=afd}}"));
}

#[test]
fn odd_spacing_and_spelling_are_understood() {
    assert!(!allowed("{{ bots\n | deny = MatchBot\n}}"));
    assert!(
        check("{{Bots|deny=Match_Bot}}", "Match Bot", "matchbot").is_err(),
        "underscores are spaces"
    );
    assert!(
        !allowed("{{bots|deny=matchBot}}"),
        "first letter case-insensitive"
    );
    assert!(
        allowed("{{bots|deny=MATCHBOT}}"),
        "the rest of a name is not"
    );
    assert!(!allowed("{{ nobots }}"));
    assert!(!allowed("{{_nobots_}}"));
}

#[test]
fn templates_inside_others_count() {
    assert!(!allowed("{{Archive box|{{nobots}}}}"));
}

#[test]
fn disabled_parts_do_not_count() {
    assert!(allowed("<!-- {{nobots}} -->"));
    assert!(allowed("<!-- matchbot:request 1-2-3 -->"));
    assert!(allowed("<nowiki>{{nobots}}</nowiki>"));
    assert!(allowed("<NOWIKI>{{nobots}}</NOWIKI>"));
    assert!(allowed("<pre>{{nobots}}</pre>"));
    assert!(allowed("<includeonly>{{nobots}}</includeonly>"));
    assert!(
        !allowed("<nowiki/>{{nobots}}"),
        "a self-closing tag hides nothing"
    );
    assert!(!allowed("<!-- note --> {{nobots}}"));
}

/// Repeats `unit` to a 2 MiB page, the largest MediaWiki saves by default, then `tail`.
fn two_megabytes_of(unit: &str, tail: &str) -> String {
    let mut page = unit.repeat(2 * 1024 * 1024 / unit.len());
    page.push_str(tail);
    page
}

#[test]
fn a_hostile_two_megabyte_page_is_decided_at_once() {
    let pages = [
        // Many openings, one close at the end: every `{{` used to search to the end.
        (two_megabytes_of("{{", "}}"), true),
        (two_megabytes_of("{{x", "}}"), true),
        (two_megabytes_of("{{ template : ", "}}"), true),
        (two_megabytes_of("{{ _ ", "}} {{nobots}}"), false),
        (two_megabytes_of("{{nobots|SineBot", "}}"), true),
        (
            two_megabytes_of("{{bots|deny=SineBot}}", "{{nobots}}"),
            false,
        ),
        (two_megabytes_of("<nowiki/>{{", "}}"), true),
        (two_megabytes_of("<!--", "{{nobots}}"), true),
    ];
    for (page, verdict) in pages {
        let started = Instant::now();
        let decided = allowed(&page);
        let took = started.elapsed();
        assert_eq!(decided, verdict, "page starting {:?}", &page[..40]);
        assert!(
            took < Duration::from_secs(1),
            "{took:?} to check a 2 MiB page starting {:?}",
            &page[..40]
        );
    }
}

#[test]
fn a_page_larger_than_mediawiki_allows_is_refused_unread() {
    let page = "a".repeat(MAX_CHECKED_BYTES + 1);
    let refused = check(&page, "MatchBot", "matchbot").unwrap_err();
    assert_eq!(
        refused,
        Excluded::TooLarge {
            bytes: MAX_CHECKED_BYTES + 1
        }
    );
    assert!(refused.to_string().contains("the {{bots}} check reads"));
}

#[test]
fn a_long_template_is_quoted_short_in_the_reason() {
    let page = format!("{{{{nobots|{}}}}}", "MatchBot,".repeat(10_000));
    let reason = check(&page, "MatchBot", "matchbot")
        .unwrap_err()
        .to_string();
    assert!(reason.starts_with("the page carries {{nobots|MatchBot,"));
    assert!(reason.chars().count() < 300, "{reason}");
}
