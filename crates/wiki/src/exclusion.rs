//! Bot exclusion: `{{bots}}` and `{{nobots}}` on the page a bot is about to edit.
//!
//! Wikipedia's bot policy asks bots that post messages to honour these templates
//! (en.wikipedia.org/wiki/Template:Bots); MatchBot's approval claimed "exclusion compliant" while
//! the original never looked (defect 23). The semantics follow pywikibot's reference check: the
//! templates are read in page order and the first one that decides, decides.

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
/// `Ok(())` means the page is fine to edit; `Err` names the template that forbids it.
///
/// - `{{nobots}}` forbids every bot; `{{nobots|deny=A,B}}` only those named.
/// - `{{bots|allow=A,B}}` allows only the bots named (`all`: every bot, `none`: no bot).
/// - `{{bots|deny=A,B}}` forbids the bots named (`all`: every bot, `none`: no bot).
/// - `{{bots|optout=T1,T2}}` forbids those message types (`all`: every type).
/// - A bare `{{bots}}` allows every bot.
pub fn check(wikitext: &str, bot: &str, message_type: &str) -> Result<(), Excluded> {
    let bot = normalise_name(bot);
    for template in templates(&strip_comments(wikitext)) {
        let verdict = match template.name.as_str() {
            "Nobots" => match template.param() {
                None => Some(false),
                Some((key, names)) => match key.as_str() {
                    "deny" | "" => Some(!names_match(&names, &bot)),
                    _ => Some(false),
                },
            },
            "Bots" => match template.param() {
                None => None,
                Some((key, names)) => match key.as_str() {
                    "allow" => Some(names_match(&names, &bot)),
                    "deny" => names_match(&names, &bot).then_some(false),
                    "optout" => names
                        .iter()
                        .any(|n| n == "all" || n == message_type)
                        .then_some(false),
                    _ => None,
                },
            },
            _ => None,
        };
        match verdict {
            Some(true) => return Ok(()),
            Some(false) => {
                return Err(Excluded {
                    template: template.raw,
                });
            }
            None => {}
        }
    }
    Ok(())
}

/// `all` matches every bot, `none` none, otherwise the bot's own name.
fn names_match(names: &[String], bot: &str) -> bool {
    if names.iter().any(|n| n == "none") {
        return false;
    }
    names.iter().any(|n| n == "all" || normalise_name(n) == bot)
}

struct Template {
    name: String,
    params: Vec<String>,
    raw: String,
}

impl Template {
    /// The first parameter as `(key, comma-separated names)`; `key` is empty for `{{nobots|A}}`.
    fn param(&self) -> Option<(String, Vec<String>)> {
        let first = self.params.first()?;
        let (key, value) = match first.split_once('=') {
            Some((k, v)) => (k.trim().to_lowercase(), v),
            None => (String::new(), first.as_str()),
        };
        let names = value
            .split(',')
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect();
        Some((key, names))
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

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
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
    }

    #[test]
    fn nobots_forbids_everyone() {
        assert!(!allowed("{{nobots}}"));
        assert!(!allowed("text\n{{ Nobots }}\nmore"));
        assert!(!allowed("{{Template:nobots}}"));
        assert_eq!(
            check("{{nobots}}", "MatchBot", "matchbot")
                .unwrap_err()
                .to_string(),
            "the page carries {{nobots}}"
        );
    }

    #[test]
    fn nobots_with_names_forbids_only_those() {
        assert!(!allowed("{{nobots|deny=MatchBot}}"));
        assert!(allowed("{{nobots|deny=OtherBot}}"));
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
    }

    #[test]
    fn optout_names_message_types() {
        assert!(!allowed("{{bots|optout=matchbot}}"));
        assert!(!allowed("{{bots|optout=all}}"));
        assert!(allowed("{{bots|optout=nosource,afd}}"));
    }

    #[test]
    fn the_first_deciding_template_wins() {
        assert!(allowed("{{bots|allow=MatchBot}} {{nobots}}"));
        assert!(!allowed("{{bots|deny=SineBot}} {{bots|deny=MatchBot}}"));
    }

    #[test]
    fn commented_out_templates_do_not_count() {
        assert!(allowed("<!-- {{nobots}} -->"));
        assert!(allowed("<!-- matchbot:request 1-2-3 -->"));
    }
}
