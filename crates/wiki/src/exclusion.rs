//! Bot exclusion: `{{bots}}` and `{{nobots}}` on the page a bot is about to edit.
//!
//! Wikipedia's bot policy asks bots that post messages to honour these templates
//! (en.wikipedia.org/wiki/Template:Bots); MatchBot's approval claimed "exclusion compliant" while
//! the original never looked (its defect 23, in docs/ARCHITECTURE.md). The semantics are those
//! of pywikibot's reference check (`BasePage.botMayEdit`): every template on the page is read
//! and any one that keeps this bot out wins, whatever the others say; malformed ones are
//! ignored. Pywikibot ignores `optout=`; MatchBot honours it as the template's documentation
//! describes, with its message type.

use crate::error::Error;

/// Why a page may not be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excluded {
    /// The template as found, e.g. `{{bots|deny=MatchBot}}`.
    pub template: String,
}

impl std::fmt::Display for Excluded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the page carries {}", self.template)
    }
}

/// Checks whether `bot` may leave a message of type `message_type` on a page with `wikitext`.
///
/// `Ok(())` means the page is fine to edit; `Err` names the first template that forbids it.
/// Names are comma-separated; `all` means every bot (or every message type).
///
/// - `{{nobots}}` forbids every bot; `{{nobots|A,B}}` the bots (or message types) named; a
///   keyed parameter such as `{{nobots|deny=A}}` is not allowed there and forbids every bot,
///   as pywikibot declines it.
/// - `{{bots|allow=A,B}}` forbids every bot not named (so `allow=none` forbids all).
/// - `{{bots|deny=A,B}}` forbids the bots named (`deny=none` forbids none).
/// - `{{bots|optout=T1,T2}}` forbids those message types.
/// - `{{bots|allowscript=…}}` / `{{bots|denyscript=…}}` name scripts; MatchBot's script name is
///   its message type.
/// - A bare `{{bots}}`, `{{bots|A}}` without a key, `{{bots|deny=}}` without names and unknown
///   keys forbid nothing.
pub fn check(wikitext: &str, bot: &str, message_type: &str) -> Result<(), Excluded> {
    let bot = normalise_name(bot);
    let named = |names: &[String]| names.iter().any(|n| n == "all" || normalise_name(n) == bot);
    let typed = |names: &[String]| names.iter().any(|n| n == "all" || n == message_type);
    for template in templates(&strip_disabled(wikitext)) {
        let (key, names) = template.param();
        let forbids = match (template.name.as_str(), key.as_str()) {
            ("Nobots", _) if template.params.is_empty() => true,
            ("Nobots", "") => named(&names) || typed(&names),
            ("Nobots", _) => true,
            ("Bots", _) if key.is_empty() || names.is_empty() => false,
            ("Bots", "allow") => !named(&names),
            ("Bots", "deny") => named(&names),
            ("Bots", "optout") => typed(&names),
            ("Bots", "allowscript") => !typed(&names),
            ("Bots", "denyscript") => typed(&names),
            _ => false,
        };
        if forbids {
            return Err(Excluded {
                template: template.raw,
            });
        }
    }
    Ok(())
}

/// The verdict that a page's `{{bots}}` templates let this bot post there: every edit asks for
/// one ([`crate::Client::append`], [`crate::Client::replace`], [`crate::Client::new_flow_topic`]),
/// and only [`permit`] makes one, so no edit can skip the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    title: String,
}

impl Allowed {
    /// The page the verdict is about.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Refuses an edit of `title` with another page's verdict.
    pub(crate) fn covers(&self, title: &str) -> Result<(), Error> {
        if self.title == title {
            Ok(())
        } else {
            Err(Error::NotChecked {
                title: title.to_owned(),
                checked: self.title.clone(),
            })
        }
    }
}

/// Checks whether `bot` may leave a message of type `message_type` on page `title`, whose
/// current wikitext is `wikitext` (a Flow board's header on a board; empty for a page that does
/// not exist yet). [`check`] says what the templates mean.
pub fn permit(
    title: &str,
    wikitext: &str,
    bot: &str,
    message_type: &str,
) -> Result<Allowed, Excluded> {
    check(wikitext, bot, message_type)?;
    Ok(Allowed {
        title: title.to_owned(),
    })
}

struct Template {
    name: String,
    params: Vec<String>,
    raw: String,
}

impl Template {
    /// The first parameter (pywikibot also reads only the first) as `(key, names)`: the key is
    /// empty for `{{nobots|A,B}}`; names are the comma-separated values, trimmed.
    fn param(&self) -> (String, Vec<String>) {
        let Some(first) = self.params.first() else {
            return (String::new(), Vec::new());
        };
        let (key, value) = match first.split_once('=') {
            Some((k, v)) => (k.trim().to_lowercase(), v),
            None => (String::new(), first.as_str()),
        };
        let names = value
            .split(',')
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect();
        (key, names)
    }
}

/// Every `{{…}}` on the page whose name is Bots or Nobots, in page order.
fn templates(text: &str) -> Vec<Template> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let body_start = open + 2;
        let Some(len) = rest[body_start..].find("}}") else {
            break;
        };
        let body = &rest[body_start..body_start + len];
        let mut parts = body.split('|');
        let name = normalise_template(parts.next().unwrap_or(""));
        if name == "Bots" || name == "Nobots" {
            found.push(Template {
                name,
                params: parts.map(str::to_owned).collect(),
                raw: format!("{{{{{}}}}}", body.trim()),
            });
            rest = &rest[body_start + len + 2..];
        } else {
            // Not ours: step inside, a {{bots}} may sit in another template's parameter.
            rest = &rest[body_start..];
        }
    }
    found
}

/// `template:_bots ` → `Bots`: namespace dropped, underscores as spaces, first letter upper.
fn normalise_template(raw: &str) -> String {
    let name = raw.trim().replace('_', " ");
    let name = name.trim();
    let name = match name.split_once(':') {
        Some((ns, rest)) if ns.trim().eq_ignore_ascii_case("template") => rest.trim(),
        _ => name,
    };
    normalise_name(name)
}

/// User and template names: the first letter is case-insensitive on MediaWiki, the rest is not.
fn normalise_name(name: &str) -> String {
    let name = name.trim().replace('_', " ");
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The page without the parts that do not take effect on it: comments, and the contents of
/// `<nowiki>`, `<pre>`, `<syntaxhighlight>`, `<source>` and `<includeonly>` (as pywikibot's
/// `removeDisabledParts`).
fn strip_disabled(text: &str) -> String {
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
/// span runs to the end, as MediaWiki treats an unclosed comment.
fn strip_between(text: &str, open: &str, close: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(start) = lower[at..].find(open).map(|i| at + i) {
        out.push_str(&text[at..start]);
        if open != "<!--"
            && let Some(len) = self_closing(&lower[start..])
        {
            at = start + len;
            continue;
        }
        match lower[start..].find(close) {
            Some(end) => at = start + end + close.len(),
            None => return out,
        }
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
