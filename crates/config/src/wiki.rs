//! `login.*` and the optional `wiki` section: how to reach the wiki and who the bot is.

use crate::limits;
use crate::reader::Reader;
use matchbot_secret::Secret;

/// Where `api.php` lives unless `wiki.scriptpath` says otherwise: Wikimedia's layout.
const DEFAULT_SCRIPT_PATH: &str = "/w/";

/// The BotPassword, not read when an OAuth 2 token replaces it.
const PASSWORD: &str = "login.password";

/// An owner-only OAuth 2 token, preferred over the BotPassword, and its variable.
const TOKEN: &str = "wiki.oauth2_token";
const TOKEN_ENV: &str = "MATCHBOT_WIKI_OAUTH2_TOKEN";

/// How to reach and identify to the wiki.
#[derive(Debug, Clone)]
pub struct WikiConfig {
    /// `login.protocol`: `http` or `https`.
    pub protocol: String,
    /// `login.site`: host and optional port.
    pub site: String,
    /// `wiki.scriptpath`: where `api.php` lives, `/w/` by default, `/` for a wiki served at the root.
    pub script_path: String,
    /// The full API endpoint, derived from the three above.
    pub api_url: String,
    /// `login.username`: for a BotPassword, `Bot@appid`; with OAuth 2, the account's name.
    pub username: String,
    /// How the bot proves who it is.
    pub auth: WikiAuth,
    /// `login.useragent`: who runs the bot and how to reach them (an email address, a URL or a
    /// `User:` page), sent inside MatchBot's User-Agent as Wikimedia's policy asks.
    pub user_agent: String,
}

/// How the bot logs in to the wiki.
#[derive(Debug, Clone)]
pub enum WikiAuth {
    /// `login.password` or `MATCHBOT_WIKI_PASSWORD`: a BotPassword, used with `action=login`.
    BotPassword(Secret),
    /// `wiki.oauth2_token` or `MATCHBOT_WIKI_OAUTH2_TOKEN`: an owner-only OAuth 2 access token,
    /// sent as `Authorization: Bearer` on every request. Preferred over a BotPassword when both
    /// are given.
    OAuth2(Secret),
}

impl WikiConfig {
    /// The account name edits are made under: the part of `login.username` before any `@appid`.
    pub fn bot_name(&self) -> &str {
        self.username.split('@').next().unwrap_or(&self.username)
    }
}

/// Reads the login and the wiki's address; the API URL is judged only once its parts are.
pub(crate) fn read(r: &mut Reader) -> Option<WikiConfig> {
    r.section("wiki");
    r.required_section("login");
    r.known(PASSWORD);
    let username = r.text("login.username", limits::TITLE);
    // A token given but unusable is the one problem: the password it replaces is not asked for.
    let auth = if r.secret_given(TOKEN, TOKEN_ENV) {
        r.secret(TOKEN, TOKEN_ENV).map(WikiAuth::OAuth2)
    } else {
        r.secret(PASSWORD, "MATCHBOT_WIKI_PASSWORD")
            .map(WikiAuth::BotPassword)
    };
    let protocol = r.string("login.protocol");
    let site = r.string("login.site");
    let user_agent = r.string("login.useragent");
    if let Some(ua) = &user_agent
        && let Err(why) = check_contact(ua)
    {
        r.problem("login.useragent", why);
    }
    let script_path = r
        .opt_string("wiki.scriptpath")
        .unwrap_or_else(|| DEFAULT_SCRIPT_PATH.to_owned());
    let script_path_ok = script_path.starts_with('/') && script_path.ends_with('/');
    if !script_path_ok {
        r.problem(
            "wiki.scriptpath",
            format!(
                "\"{script_path}\" must start and end with \"/\" (\"/w/\", or \"/\" for a wiki served at the root)"
            ),
        );
    }
    let protocol_ok = matches!(protocol.as_deref(), Some("http" | "https"));
    if let (Some(protocol), false) = (&protocol, protocol_ok) {
        r.problem(
            "login.protocol",
            format!("\"{protocol}\" must be \"http\" or \"https\""),
        );
    }
    let api_url = match (&protocol, &site) {
        // The site is judged only when the parts around it are right, so that one mistake
        // is reported once.
        (Some(protocol), Some(site)) if protocol_ok && script_path_ok => {
            let candidate = format!("{protocol}://{site}{script_path}api.php");
            match url::Url::parse(&candidate) {
                Ok(u) if u.host_str().is_some() && !site.contains('/') => Some(candidate),
                Ok(_) | Err(_) => {
                    r.problem(
                        "login.site",
                        format!(
                            "\"{site}\" is not a host name (with an optional port), like \"en.wikipedia.org\""
                        ),
                    );
                    None
                }
            }
        }
        _ => None,
    };
    Some(WikiConfig {
        protocol: protocol?,
        site: site?,
        script_path,
        api_url: api_url?,
        username: username?,
        auth: auth?,
        user_agent: user_agent?,
    })
}

/// Wikimedia's User-Agent policy asks for a way to reach whoever runs the bot: an email
/// address, a URL or a user page. The original's sample placeholders do not count, and the
/// whole must be something an HTTP header can carry.
fn check_contact(user_agent: &str) -> Result<(), String> {
    // Sent as an HTTP header, which takes printable ASCII and spaces only.
    if let Some(bad) = user_agent
        .chars()
        .find(|c| !(c.is_ascii_graphic() || *c == ' '))
    {
        return Err(format!(
            "holds {bad:?}, which an HTTP header cannot carry: use printable ASCII and spaces \
             (percent-encode a user name's other letters, as in its URL)"
        ));
    }
    if let Some(placeholder) = ["YOURNAME", "YOUREMAIL"]
        .iter()
        .find(|p| user_agent.contains(*p))
    {
        return Err(format!(
            "still holds the sample's placeholder {placeholder}: say who runs the bot and how to reach them"
        ));
    }
    let words = user_agent.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'));
    let contact = words.clone().any(|w| {
        let email = w
            .split_once('@')
            .is_some_and(|(name, host)| !name.is_empty() && !host.is_empty());
        email || w.starts_with("https://") || w.starts_with("http://")
    }) || user_agent.contains("User:")
        || user_agent.contains("User talk:");
    if contact {
        Ok(())
    } else {
        Err(format!(
            "\"{user_agent}\" gives no contact: add an email address, a URL or a User: page, as Wikimedia's User-Agent policy asks"
        ))
    }
}
