use std::time::Duration;

/// An error the API returned: its code and its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The machine-readable code (`protectedpage`, `maxlag`, …).
    pub code: String,
    /// The human-readable text.
    pub info: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.info)
    }
}

/// What can go wrong talking to a wiki.
///
/// Transient conditions (`Maxlag`, `Readonly`, `RateLimited`, `Http`, `Status` 429/5xx) are
/// retried by the client before they ever reach a caller; when one does reach a caller, the
/// retries were used up. No variant holds a password, token or cookie.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /* Transport */
    /// The request did not complete (connection refused, timeout, broken body).
    #[error("cannot reach the wiki: {0}")]
    Http(String),
    /// The server answered with an HTTP error status.
    #[error("the wiki answered HTTP {status}")]
    Status {
        /// The status code.
        status: u16,
        /// How long the server asked us to wait, if it said.
        retry_after: Option<Duration>,
    },
    /// The answer was not the JSON the API documents.
    #[error("the wiki's answer could not be read: {0}")]
    Decode(String),

    /// The HTTP client could not be built (a TLS backend that cannot start, say): nothing a
    /// retry mends.
    #[error("the HTTP client cannot be built: {0}")]
    Setup(String),
    /// The configured User-Agent cannot be sent as an HTTP header.
    #[error("login.useragent: the User-Agent {0}")]
    UserAgent(String),

    /* MediaWiki-side conditions that pass */
    /// The database replicas lag more than our `maxlag`.
    #[error("the wiki is lagged: {info}")]
    Maxlag {
        /// The API's text.
        info: String,
        /// The `Retry-After` the wiki sent.
        retry_after: Option<Duration>,
    },
    /// The wiki is read-only for maintenance.
    #[error("the wiki is read-only: {0}")]
    Readonly(String),
    /// We edit too fast for this account's rate limit.
    #[error("rate limited by the wiki: {0}")]
    RateLimited(String),

    /* Session and tokens */
    /// The csrf token was rejected even after a fresh one was fetched.
    #[error("the wiki rejected the edit token twice")]
    BadToken,
    /// The session is not logged in as the bot, even after logging in again.
    #[error("not logged in as the bot ({0})")]
    NotLoggedIn(String),
    /// `action=login` failed.
    #[error("login as {user} failed: {reason}")]
    LoginFailed {
        /// The account name used.
        user: String,
        /// What the wiki said.
        reason: String,
    },

    /* The bot's own rules */
    /// The kill switch: the run page does not say `true`. Waited out like an outage: editing
    /// the page back to `true` resumes the bot.
    #[error("the run page {run_page} says {says:?}, not \"true\": no edits until it does")]
    Stopped {
        /// The run page's title.
        run_page: String,
        /// What it says instead (its first 80 characters).
        says: String,
    },
    /// The bot account's shared etiquette (edit slot, budget, run page reading) could not be
    /// asked: no edit is made without it.
    #[error(transparent)]
    Account(#[from] crate::account::AccountError),
    /// The edit budget of a trial run (`--max-edits`) is used up.
    #[error("the edit budget of {budget} edits is used up")]
    EditBudgetSpent {
        /// The budget.
        budget: u64,
    },

    /// An edit was handed the `{{bots}}` verdict of another page: a bug in the caller, which
    /// must check the page it edits (see [`crate::exclusion::permit`]).
    #[error("the edit of {title} carries the {{{{bots}}}} verdict of {checked}, not its own")]
    NotChecked {
        /// The page edited.
        title: String,
        /// The page the verdict was about.
        checked: String,
    },

    /// Edits of one page were answered, [`crate::uncertain::MOST_BAD_ANSWERS`] times in a row,
    /// with something that is not an API answer: given up, not retried.
    #[error(
        "the wiki's answer to {tries} edits of {title} in a row could not be read; the last: {last}"
    )]
    BadAnswers {
        /// The page.
        title: String,
        /// How many answers in a row.
        tries: u32,
        /// The last one's error.
        last: String,
    },

    /* Everything else the API says */
    /// Any other API error (`protectedpage`, `blocked`, `permissiondenied`, `invalidtitle`, …).
    #[error("the wiki refused: {0}")]
    Api(ApiError),
}

impl Error {
    /// If the error merits another try, how long to wait first. `None` means do not retry.
    pub fn retry_after(&self, attempt: u32) -> Option<Duration> {
        let backoff = Duration::from_secs(1 << attempt.min(5));
        match self {
            Error::Http(_) => Some(backoff),
            Error::Status {
                status,
                retry_after,
            } if *status == 429 || *status >= 500 => Some(retry_after.unwrap_or(backoff)),
            Error::Maxlag { retry_after, .. } => {
                Some(retry_after.unwrap_or(Duration::from_secs(5)))
            }
            Error::Readonly(_) => Some(Duration::from_secs(30).max(backoff)),
            Error::RateLimited(_) => Some(Duration::from_secs(10).max(backoff)),
            _ => None,
        }
    }

    /// True when the wiki, not the request, is the trouble (unreachable, 5xx, lagged, read-only,
    /// rate limited, an unreadable answer, a token that went stale): the same call may work
    /// later, so a worker waits it out rather than recording a failure.
    pub fn is_transient(&self) -> bool {
        self.retry_after(0).is_some()
            || matches!(
                self,
                Error::Decode(_) | Error::BadToken | Error::Stopped { .. }
            )
            || matches!(self, Error::Account(e) if e.transient)
    }

    /// True when the error concerns one page (protected, invalid title, …) rather than the bot
    /// or the wiki as a whole: the caller records it against that page and carries on.
    pub fn is_page_related(&self) -> bool {
        matches!(self, Error::Api(_))
    }

    /// True when an edit that ended in this error may have been saved, or may still be: the
    /// request timed out or broke, the wiki answered a 5xx (or any status but 429, which is
    /// refused before anything is done), or its answer could not be read.
    pub fn leaves_edit_unknown(&self) -> bool {
        match self {
            Error::Http(_) | Error::Decode(_) => true,
            Error::Status { status, .. } => *status != 429,
            _ => false,
        }
    }

    /// The API's error code, or a short code of ours for errors that did not come from the API.
    pub fn code(&self) -> &str {
        match self {
            Error::Http(_) => "http",
            Error::Status { .. } => "http-status",
            Error::Decode(_) => "bad-response",
            Error::Setup(_) => "client-setup",
            Error::UserAgent(_) => "bad-user-agent",
            Error::Maxlag { .. } => "maxlag",
            Error::Readonly(_) => "readonly",
            Error::RateLimited(_) => "ratelimited",
            Error::BadToken => "badtoken",
            Error::NotLoggedIn(_) => "notloggedin",
            Error::LoginFailed { .. } => "loginfailed",
            Error::Stopped { .. } => "stopped",
            Error::EditBudgetSpent { .. } => "edit-budget-spent",
            Error::Account(_) => "account-gate",
            Error::NotChecked { .. } => "not-checked",
            Error::BadAnswers { .. } => "bad-answers",
            Error::Api(e) => &e.code,
        }
    }

    /// Maps an API error code to its variant (`retry_after` comes from the response header).
    pub(crate) fn from_api(error: ApiError, retry_after: Option<Duration>) -> Error {
        match error.code.as_str() {
            "maxlag" => Error::Maxlag {
                info: error.info,
                retry_after,
            },
            "readonly" => Error::Readonly(error.info),
            "ratelimited" => Error::RateLimited(error.info),
            "badtoken" => Error::BadToken,
            "assertbotfailed"
            | "assertuserfailed"
            | "assertnameduserfailed"
            | "notloggedin"
            | "mustbeloggedin" => Error::NotLoggedIn(error.code),
            // An OAuth token refused (expired, revoked, wrong wiki): about the bot, not a page.
            code if code.starts_with("mwoauth-") => Error::NotLoggedIn(error.code),
            _ => Error::Api(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> Error {
        Error::from_api(
            ApiError {
                code: code.into(),
                info: "text".into(),
            },
            Some(Duration::from_secs(7)),
        )
    }

    #[test]
    fn codes_map_to_variants_that_know_whether_to_retry() {
        assert_eq!(api("maxlag").retry_after(0), Some(Duration::from_secs(7)));
        assert!(api("readonly").retry_after(0).is_some());
        assert!(api("ratelimited").retry_after(0).is_some());
        assert!(matches!(api("badtoken"), Error::BadToken));
        assert!(matches!(api("assertbotfailed"), Error::NotLoggedIn(_)));
        let oauth = api("mwoauth-invalid-authorization");
        assert!(matches!(oauth, Error::NotLoggedIn(_)));
        assert!(!oauth.is_page_related() && !oauth.is_transient());
        for permanent in [
            "protectedpage",
            "blocked",
            "permissiondenied",
            "invalidtitle",
        ] {
            let e = api(permanent);
            assert_eq!(e.retry_after(0), None, "{permanent} must not be retried");
            assert!(e.is_page_related());
            assert_eq!(e.code(), permanent);
        }
    }

    #[test]
    fn server_errors_are_retried_and_client_errors_are_not() {
        let status = |status| Error::Status {
            status,
            retry_after: None,
        };
        assert!(status(503).retry_after(0).is_some());
        assert!(status(429).retry_after(0).is_some());
        assert_eq!(status(404).retry_after(0), None);
    }
}
