//! Finding the `{{bots}}` and `{{nobots}}` templates in a page's text, in one pass.
//!
//! A talk page is written by anyone, up to MediaWiki's 2 MiB, so every step here moves forward
//! through the text: a `{{` that does not open one of ours costs the few characters of its name
//! (a name ends at the first character that cannot be part of ours), and the search for the
//! `}}` that closes a template resumes where the last one ended. Together with
//! [`strip_disabled`], whose passes each move forward too, the work is linear in the page.

/// A `{{bots}}` or `{{nobots}}` found on the page.
pub(super) struct Template<'t> {
    /// `Bots` or `Nobots`.
    pub(super) name: &'static str,
    /// Everything between the braces, after the name.
    body: &'t str,
    /// Whether the template has parameters at all.
    pub(super) has_params: bool,
}

impl Template<'_> {
    /// The first parameter (pywikibot also reads only the first) as `(key, names)`: the key is
    /// empty for `{{nobots|A,B}}`; names are the comma-separated values; both trimmed.
    pub(super) fn param(&self) -> (&str, impl Iterator<Item = &str>) {
        let first = self.params().next().unwrap_or("");
        let (key, value) = match first.split_once('=') {
            Some((k, v)) => (k.trim(), v),
            None => ("", first),
        };
        let names = value.split(',').map(str::trim).filter(|n| !n.is_empty());
        (key, names)
    }

    fn params(&self) -> impl Iterator<Item = &str> {
        self.body.split('|').skip(1)
    }

    /// The template as found, at most `chars` characters of it.
    pub(super) fn quoted(&self, chars: usize) -> String {
        let inner = self.body.trim();
        let mut quoted: String = inner.chars().take(chars).collect();
        if quoted.len() < inner.len() {
            quoted.push('…');
        }
        format!("{{{{{quoted}}}}}")
    }
}

/// Every `{{…}}` on the page whose name is Bots or Nobots, in page order (one inside another
/// template's parameter counts too).
pub(super) fn templates(text: &str) -> impl Iterator<Item = Template<'_>> {
    let mut at = 0;
    // The `}}` found last; a later `{{` opened before it closes there too.
    let mut close: Option<usize> = None;
    std::iter::from_fn(move || {
        loop {
            let open = find_pair(text, at, b'{')?;
            let body_start = open + 2;
            let end = match close {
                Some(end) if end >= body_start => end,
                _ => find_pair(text, body_start, b'}')?,
            };
            close = Some(end);
            match ours(text, body_start) {
                Some((name, name_end)) => {
                    at = end + 2;
                    return Some(Template {
                        name,
                        body: &text[body_start..end],
                        has_params: name_end < end,
                    });
                }
                // Not ours: step inside, a {{bots}} may sit in another template's parameter.
                None => at = body_start,
            }
        }
    })
}

/// Where the first `{{` (or `}}`) at or after `from` starts. A plain loop over bytes: it runs
/// once per brace pair on the page, so it must cost next to nothing.
fn find_pair(text: &str, from: usize, brace: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i + 1 < bytes.len() {
        if bytes[i + 1] != brace {
            i += 2;
        } else if bytes[i] == brace {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
}

/// Whether the template whose name starts at `from` is Bots or Nobots (namespace, spaces and
/// underscores allowed, first letter either case), and where its name ends: at a `|` or at the
/// `}}` that closes it. Reads only as far as the name could still be ours.
fn ours(text: &str, from: usize) -> Option<(&'static str, usize)> {
    let mut at = skip_spaces(text, from);
    // Most `{{` open other templates (or another `{{`): turned away on their first letter.
    if !matches!(
        text.as_bytes().get(at),
        Some(b'b' | b'B' | b'n' | b'N' | b't' | b'T')
    ) {
        return None;
    }
    if let Some(after) = starts_with_ignoring_case(text, at, "template") {
        let colon = skip_spaces(text, after);
        if text[colon..].starts_with(':') {
            at = skip_spaces(text, colon + 1);
        }
    }
    let (name, after) = [("Nobots", "obots"), ("Bots", "ots")]
        .into_iter()
        .find_map(|(name, rest)| {
            let first = name.chars().next()?;
            let c = text[at..].chars().next()?;
            if c.to_ascii_uppercase() != first {
                return None;
            }
            let rest_at = at + c.len_utf8();
            text[rest_at..]
                .starts_with(rest)
                .then_some((name, rest_at + rest.len()))
        })?;
    let end = skip_spaces(text, after);
    let rest = &text[end..];
    (rest.starts_with('|') || rest.starts_with("}}")).then_some((name, end))
}

/// The first position at or after `at` that is not whitespace or `_` (MediaWiki's spaces in a
/// name).
fn skip_spaces(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = at;
    while i < bytes.len() {
        match bytes[i] {
            b'_' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => i += 1,
            b if b.is_ascii() => return i,
            _ => match text[i..].chars().next() {
                Some(c) if c.is_whitespace() => i += c.len_utf8(),
                _ => return i,
            },
        }
    }
    i
}

fn starts_with_ignoring_case(text: &str, at: usize, word: &str) -> Option<usize> {
    let end = at + word.len();
    let candidate = text.get(at..end)?;
    candidate.eq_ignore_ascii_case(word).then_some(end)
}

/// User names: the first letter is case-insensitive on MediaWiki, the rest is not.
pub(super) fn normalise_name(name: &str) -> String {
    let mut chars = name_chars(name);
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether `name` is the user `normalised` (as [`normalise_name`] gives it), without building
/// a string for it.
pub(super) fn is_name(name: &str, normalised: &str) -> bool {
    let mut chars = name_chars(name);
    let first = chars.next().into_iter().flat_map(char::to_uppercase);
    first.chain(chars).eq(normalised.chars())
}

fn name_chars(name: &str) -> impl Iterator<Item = char> {
    name.trim().chars().map(|c| if c == '_' { ' ' } else { c })
}

/// The page without the parts that do not take effect on it: comments, and the contents of
/// `<nowiki>`, `<pre>`, `<syntaxhighlight>`, `<source>` and `<includeonly>` (as pywikibot's
/// `removeDisabledParts`).
pub(super) fn strip_disabled(text: &str) -> String {
    let mut text = strip_between(text, "<!--", "-->");
    for tag in ["nowiki", "pre", "syntaxhighlight", "source", "includeonly"] {
        text = strip_between(&text, &format!("<{tag}"), &format!("</{tag}>"));
    }
    text
}

/// True when the tag opening at the start of `rest` closes itself (`<nowiki/>`).
fn self_closing(rest: &str) -> Option<usize> {
    let end = rest.find('>')?;
    rest[..end].ends_with('/').then_some(end + 1)
}

/// Removes every `open … close` span, matching the tags without regard to case; an unclosed
/// span runs to the end, as MediaWiki treats an unclosed comment. Each search starts past the
/// last span, so the pass is linear.
fn strip_between(text: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(start) = find_tag(text, at, open) {
        out.push_str(&text[at..start]);
        if open != "<!--"
            && let Some(len) = self_closing(&text[start..])
        {
            at = start + len;
            continue;
        }
        match find_tag(text, start, close) {
            Some(end) => at = end + close.len(),
            None => return out,
        }
    }
    out.push_str(&text[at..]);
    out
}

/// Where `tag` (ASCII) first occurs at or after `from`, without regard to case.
fn find_tag(text: &str, from: usize, tag: &str) -> Option<usize> {
    let (bytes, tag) = (text.as_bytes(), tag.as_bytes());
    let first = *tag.first()?;
    let mut i = from;
    while i + tag.len() <= bytes.len() {
        if bytes[i] == first && bytes[i..i + tag.len()].eq_ignore_ascii_case(tag) {
            return Some(i);
        }
        i += 1;
    }
    None
}
