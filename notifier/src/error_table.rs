//! The error log page's text: the newest entries as a wikitable, newest first, every text from
//! outside the process shown as plain text.
//!
//! An entry's subject and message may hold anything a wiki user or a Redis writer put there, so
//! each is shown inside `<nowiki>` with nothing in it that MediaWiki reads: `<`, `>` and `&` as
//! entities (so no `</nowiki>` ends it early), `|`, `!`, `{`, `}`, `[`, `]` and `~` as entities
//! too (no cell, template, link or signature), no line breaks or control characters, and a
//! bounded length.

use matchbot_model::{ErrorLogEntry, MAX_MESSAGE_CHARS, MAX_SUBJECT_CHARS};

/// Renders the log page: `entries` newest first, at most `keep` of them.
pub fn render_error_table(entries: &[ErrorLogEntry], keep: usize) -> String {
    let mut text = String::from(
        "<!-- Written by MatchBot: the newest problems a maintainer can act on, newest first. \
         Changes here are replaced at the next update. -->\n\
         {| class=\"wikitable\"\n! When !! Kind !! About !! What is wrong\n",
    );
    let mut newest: Vec<&ErrorLogEntry> = entries.iter().collect();
    newest.sort_by_key(|e| std::cmp::Reverse(e.at));
    for entry in newest.into_iter().take(keep) {
        let about = entry
            .subject
            .as_deref()
            .map_or_else(String::new, |s| plain(s, MAX_SUBJECT_CHARS));
        text.push_str(&format!(
            "|-\n| {} || {} || {} || {}\n",
            entry.at,
            entry.kind.label(),
            about,
            plain(&entry.message, MAX_MESSAGE_CHARS)
        ));
    }
    text.push_str("|}\n");
    text
}

/// `text` as plain text inside `<nowiki>`, at most `max` characters of it.
fn plain(text: &str, max: usize) -> String {
    let mut out = String::from("<nowiki>");
    let mut chars = text.chars();
    for c in chars.by_ref().take(max) {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("&#124;"),
            '!' => out.push_str("&#33;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '~' => out.push_str("&#126;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out.push_str("</nowiki>");
    out
}

#[cfg(test)]
mod tests {
    use matchbot_model::{ErrorKind, Timestamp};

    use super::*;

    fn entry(at: &str, message: &str) -> ErrorLogEntry {
        ErrorLogEntry {
            at: Timestamp::parse(at).unwrap(),
            kind: ErrorKind::Skipped,
            subject: Some("User talk:Zoë".into()),
            message: message.into(),
        }
    }

    #[test]
    fn entries_are_shown_newest_first_and_only_the_newest_kept() {
        let entries = [
            entry("2026-12-01T00:00:00Z", "oldest"),
            entry("2026-12-03T00:00:00Z", "newest"),
            entry("2026-12-02T00:00:00Z", "middle"),
        ];
        let text = render_error_table(&entries, 2);
        let newest = text.find("newest").unwrap();
        let middle = text.find("middle").unwrap();
        assert!(newest < middle, "{text}");
        assert!(!text.contains("oldest"), "{text}");
        assert_eq!(text.matches("|-\n").count(), 2);
        assert!(text.contains("| 2026-12-03T00:00:00Z || skipped || <nowiki>User talk:Zoë</nowiki> || <nowiki>newest</nowiki>"), "{text}");
    }

    #[test]
    fn hostile_text_cannot_leave_its_cell() {
        let hostile =
            "a</nowiki>{{evil}}</NOWIKI >\n|}\n|-\n| x || y [[Category:Spam]] ~~~~ &lt; !! z\u{0}";
        let mut e = entry("2026-12-03T00:00:00Z", hostile);
        e.subject = Some(hostile.into());
        let text = render_error_table(&[e], 50);
        let row = text.lines().nth(4).unwrap();
        // The whole entry is one row: the hostile line breaks are gone.
        assert_eq!(text.lines().count(), 6, "{text}");
        assert_eq!(text.matches("</nowiki>").count(), 2, "{text}");
        assert_eq!(text.to_lowercase().matches("</nowiki").count(), 2, "{text}");
        for never in ["{{", "[[", "~~~", "|}", "!!"] {
            assert_eq!(row.matches(never).count(), 0, "{never} survived in {row}");
        }
        // Cell separators: the three the table puts there, and none from the text.
        assert_eq!(row.matches("||").count(), 3, "{row}");
        assert!(row.contains("&amp;lt;"), "{row}");
    }

    #[test]
    fn texts_are_bounded_whatever_an_entry_read_from_redis_holds() {
        let long = "é".repeat(100_000);
        let mut e = entry("2026-12-03T00:00:00Z", &long);
        e.subject = Some(long.clone());
        let text = render_error_table(&[e], 50);
        assert!(
            text.chars().count() < MAX_MESSAGE_CHARS + MAX_SUBJECT_CHARS + 400,
            "{} characters",
            text.chars().count()
        );
        assert!(text.contains("é…</nowiki>"));
    }
}
