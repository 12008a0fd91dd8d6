//! What a name may hold before it goes into wikitext.
//!
//! A decision's learner, mentor and skill come from the stream, which is only as trustworthy as
//! the Redis it lives on. MediaWiki refuses these characters in every title and user name, so a
//! real one never has them; one that does would turn the greeting into other wikitext (a link
//! closed early, a template, a new section), and the greeting is refused instead.

/// The characters MediaWiki allows in no title or user name (besides control characters).
const NEVER_IN_A_TITLE: &[char] = &['[', ']', '{', '}', '|', '<', '>', '#'];

/// How much of a refused name a reason quotes.
const QUOTED_CHARS: usize = 60;

/// A name MediaWiki itself would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// What the name is (`the learner's name`, …).
    pub what: &'static str,
    /// The name's first characters, as Rust quotes them (control characters escaped).
    pub quoted: String,
    /// The character MediaWiki refuses, as Rust quotes it.
    pub character: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} holds {}, which MediaWiki allows in no user name or title: not rendered into a greeting",
            self.what, self.quoted, self.character
        )
    }
}

/// `Ok` when `name` (`what` says whose) holds nothing MediaWiki refuses in a title or user name.
pub fn check(what: &'static str, name: &str) -> Result<(), Refused> {
    let Some(bad) = name
        .chars()
        .find(|c| c.is_control() || NEVER_IN_A_TITLE.contains(c))
    else {
        return Ok(());
    };
    let mut shown: String = name.chars().take(QUOTED_CHARS).collect();
    if shown.len() < name.len() {
        shown.push('…');
    }
    Err(Refused {
        what,
        quoted: format!("{shown:?}"),
        character: format!("{bad:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_pass() {
        for name in [
            "Ken",
            "Zoë",
            "Jean-Luc Picard",
            "Ada (WMF)",
            "李小龍",
            "O'Brien",
        ] {
            assert_eq!(check("the learner's name", name), Ok(()));
        }
    }

    #[test]
    fn what_mediawiki_refuses_is_refused() {
        for name in [
            "Ken]] [[Category:X",
            "{{nobots}}",
            "a|b",
            "<script>",
            "Ken#top",
            "Ken\n==Spam==",
            "tab\there",
            "nul\u{0}",
        ] {
            assert!(check("the learner's name", name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn the_reason_names_the_field_and_quotes_briefly() {
        let long = format!("Ken\n{}", "x".repeat(5_000_000));
        let refused = check("the mentor's name", &long).unwrap_err().to_string();
        assert!(
            refused.starts_with("the mentor's name \"Ken\\nxxx"),
            "{refused}"
        );
        assert!(refused.contains("holds '\\n'"), "{refused}");
        assert!(refused.len() < 300, "{}", refused.len());
    }
}
