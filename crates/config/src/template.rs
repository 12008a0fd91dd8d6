//! The original's greeting templates use Python `str.format` placeholders (`{0}`, `{1}`, …).
//!
//! Python's `format` also eats `{{` and chokes on a lone `{`, which broke every greeting that used
//! a wiki template (its defect 12 in docs/ARCHITECTURE.md). Here only `{N}` with a decimal
//! index is a placeholder; every other brace, `{{welcome}}` included, is copied as it is.

/// Renders `template`, replacing each `{N}` by `args[N]`.
///
/// A `{N}` whose index has no argument is left as it is, so a wrong template shows up in the
/// greeting rather than panicking; [`crate::Config::load`] refuses such templates anyway.
pub fn render(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match parse_placeholder(after) {
            Some((index, len)) if index < args.len() => {
                out.push_str(args[index]);
                rest = &after[len + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder indexes `template` uses, in order of first appearance, without repeats.
pub fn placeholders(template: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some((index, _)) = parse_placeholder(after)
            && !found.contains(&index)
        {
            found.push(index);
        }
        rest = after;
    }
    found
}

/// Reads `N}` at the start of `s` (the text just after a `{`), returning `N` and the digits' length.
fn parse_placeholder(s: &str) -> Option<(usize, usize)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 || s.as_bytes().get(digits) != Some(&b'}') {
        return None;
    }
    s[..digits].parse().ok().map(|n| (n, digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_numbered_placeholders() {
        assert_eq!(
            render("[[User:{0}|{0}]] offers {1}.", &["Zoë", "writing"]),
            "[[User:Zoë|Zoë]] offers writing."
        );
    }

    #[test]
    fn keeps_wiki_templates_and_lone_braces() {
        assert_eq!(
            render("{{welcome|{0}}} { } {x} {}", &["Ann"]),
            "{{welcome|Ann}} { } {x} {}"
        );
    }

    #[test]
    fn leaves_placeholders_without_an_argument() {
        assert_eq!(render("{0} and {3}", &["a"]), "a and {3}");
    }

    #[test]
    fn lists_placeholders_once_each() {
        assert_eq!(placeholders("{1} {0} {1} {{x}} {y}"), vec![1, 0]);
        assert!(placeholders("no braces").is_empty());
    }
}
