//! How the client proves who it is.

use matchbot_secret::Secret;

/// How the client proves who it is.
#[derive(Clone)]
pub(crate) enum Auth {
    /// `action=login` with a BotPassword (`Bot@appid` and its generated password).
    BotPassword { username: String, password: Secret },
    /// An owner-only OAuth 2 access token, sent as `Authorization: Bearer` on every request.
    OAuth2 { username: String, token: Secret },
}

impl Auth {
    pub(crate) fn username(&self) -> &str {
        match self {
            Auth::BotPassword { username, .. } | Auth::OAuth2 { username, .. } => username,
        }
    }
}
