//! The list read from hostile text: names found however they are written, nothing else taken
//! for a name, and bounded work whatever the page holds.

use super::*;

fn names(text: &str) -> Vec<String> {
    DoNotContact::parse(text)
        .names()
        .map(str::to_owned)
        .collect()
}

#[test]
fn names_one_per_line_and_as_links_are_read_and_normalised() {
    let text = "\
== Do not contact ==
<!-- one user per line; this comment lists [[User:Nobody]] -->
Ada
* user:bob_the_builder
# [[User:Cleo|Cleo (she/her)]] and [[User talk:dora_explorer/Archive 1]]
[[user:  eve  ]]
:[[:User:Fay]]
[[Wikipedia:Co-op]] is not a user
   zoë   smith
";
    assert_eq!(
        names(text),
        [
            "Ada",
            "Bob the builder",
            "Cleo",
            "Dora explorer",
            "Eve",
            "Fay",
            "Zoë smith"
        ]
    );
}

#[test]
fn a_name_is_found_however_it_is_asked_for() {
    let list = DoNotContact::parse("[[User:Learner_One]]");
    assert!(list.contains("Learner One"));
    assert!(list.contains("learner_One"));
    assert!(
        !list.contains("Learner one"),
        "only the first letter is case-insensitive"
    );
    assert!(!list.contains(""));
}

#[test]
fn lines_that_are_no_user_name_are_passed_over() {
    let text =
        "{{bots|deny=all}}\n<b>bold</b>\n[[Category:X]]\nsee [https://x.org x]\n=\n|}\n~~~~ ok\n";
    assert_eq!(names(text), ["~~~~ ok"]);
    assert!(names(&format!("[[User:{}]]", "a".repeat(300))).is_empty());
}

#[test]
fn an_unclosed_comment_hides_the_rest() {
    assert_eq!(names("Ada\n<!-- Bob\nCleo"), ["Ada"]);
}

#[test]
fn work_is_bounded_for_any_page() {
    // Far more names than are kept.
    let many: String = (0..(MAX_NAMES + 50))
        .map(|n| format!("User{n}\n"))
        .collect();
    let list = DoNotContact::parse(&many);
    assert_eq!(list.len(), MAX_NAMES);
    assert!(list.truncated);

    // A page larger than is read, cut inside a multi-byte character.
    let mut big = "é".repeat(MAX_READ_BYTES);
    big.push_str("\nLast");
    let list = DoNotContact::parse(&big);
    assert!(list.truncated);
    assert!(!list.contains("Last"));

    // One huge line of links.
    let links = "[[User:".repeat(200_000);
    assert!(DoNotContact::parse(&links).len() <= MAX_NAMES);
}

#[test]
fn a_stored_list_reads_back_the_same() {
    let list = DoNotContact::parse("Ada\n[[User:Bob]]");
    let again = DoNotContact::of(list.names());
    assert_eq!(again, list);
}
