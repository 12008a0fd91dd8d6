//! Bot exclusion: `{{bots}}` and `{{nobots}}` on the page a bot is about to edit.
//!
//! Wikipedia's bot policy asks bots that post messages to honour these templates
//! (en.wikipedia.org/wiki/Template:Bots); MatchBot's approval claimed "exclusion compliant" while
//! the original never looked (its defect 23, in docs/ARCHITECTURE.md). The semantics are those
//! of pywikibot's reference check (`BasePage.botMayEdit`): every template on the page is read
//! and any one that keeps this bot out wins, whatever the others say; malformed ones are
//! ignored. Pywikibot ignores `optout=`; MatchBot honours it as the template's documentation
//! describes, with its message type.
//!
//! The page is anyone's to write, so the check is linear in its size (see `scan`) and reads at
//! most [`MAX_CHECKED_BYTES`]: a larger text keeps the bot out unread.

use crate::error::Error;

mod scan;

use scan::{is_name, normalise_name, strip_disabled, templates};

/// The most page text the check reads: twice the largest page MediaWiki allows by default
/// (`$wgMaxArticleSize`, 2 MiB). A larger text cannot be a page MediaWiki saved as configured
/// by Wikimedia, so it is refused unread rather than scanned.
pub const MAX_CHECKED_BYTES: usize = 4 * 1024 * 1024;

/// The most of a template's text an exclusion reason quotes.
const QUOTED_CHARS: usize = 200;

/// Why a page may not be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excluded {
    /// A template keeps the bot out: the template as found, e.g. `{{bots|deny=MatchBot}}`
    /// (its first 200 characters).
    Template(String),
    /// The text is larger than [`MAX_CHECKED_BYTES`] and was not read.
    TooLarge {
        /// The text's size.
        bytes: usize,
    },
}

impl std::fmt::Display for Excluded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Excluded::Template(template) => write!(f, "the page carries {template}"),
            Excluded::TooLarge { bytes } => write!(
                f,
                "the page is {bytes} bytes, more than the {MAX_CHECKED_BYTES} the {{{{bots}}}} check reads"
            ),
        }
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
    if wikitext.len() > MAX_CHECKED_BYTES {
        return Err(Excluded::TooLarge {
            bytes: wikitext.len(),
        });
    }
    let bot = normalise_name(bot);
    for template in templates(&strip_disabled(wikitext)) {
        let (key, names) = template.param();
        let (mut named, mut typed, mut any) = (false, false, false);
        for name in names {
            any = true;
            named |= name == "all" || is_name(name, &bot);
            typed |= name == "all" || name == message_type;
        }
        let key_is = |k: &str| key.eq_ignore_ascii_case(k);
        let forbids = match template.name {
            "Nobots" if !template.has_params => true,
            "Nobots" if key.is_empty() => named || typed,
            "Nobots" => true,
            _ if key.is_empty() || !any => false,
            _ if key_is("allow") => !named,
            _ if key_is("deny") => named,
            _ if key_is("optout") | key_is("denyscript") => typed,
            _ if key_is("allowscript") => !typed,
            _ => false,
        };
        if forbids {
            return Err(Excluded::Template(template.quoted(QUOTED_CHARS)));
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

#[cfg(test)]
mod tests;
