//! Building a client: the API URL, the User-Agent, the credentials and the edit etiquette.

use std::sync::Arc;
use std::time::Duration;

use matchbot_secret::Secret;
use tokio::sync::Mutex;

use crate::account::AccountGate;
use crate::auth::Auth;
use crate::client::{Client, Inner, Session};
use crate::error::Error;
use crate::gate::{Account, EditGate, RunPage};

/// Builds a [`Client`]. Start with [`Client::builder`].
pub struct Builder {
    api_url: String,
    user_agent: String,
    maxlag: Option<u32>,
    auth: Option<Auth>,
    timeout: Duration,
    max_retries: u32,
    longest_wait: Duration,
    gate: EditGate,
}

/// The longest wait before a retry by default: as long as a worker waits at most between two
/// tries of its own, and well inside the time before another replica takes a held entry over.
pub const LONGEST_WAIT: Duration = Duration::from_secs(30);

impl Builder {
    /// The User-Agent, in the form Wikimedia's policy asks for: MatchBot's name and version,
    /// then `contact` (who runs the bot and how to reach them), then the HTTP library.
    pub fn user_agent(mut self, contact: &str) -> Builder {
        self.user_agent = format!(
            "MatchBot/{} ({contact}) reqwest/0.13",
            env!("CARGO_PKG_VERSION")
        );
        self
    }

    /// The `maxlag` sent with every request. Bots on Wikimedia wikis should send 5 (the
    /// default): when replicas lag more than that, the wiki refuses and the client waits as
    /// `Retry-After` says. `None` sends no maxlag, for wikis that do not support it.
    pub fn maxlag(mut self, seconds: Option<u32>) -> Builder {
        self.maxlag = seconds;
        self
    }

    /// Log in with a BotPassword (`Bot@appid` and its generated password). Once logged in, every
    /// request carries `assert=bot`, so an edit made after the session was lost fails instead of
    /// being saved as an anonymous IP edit.
    pub fn bot_password(mut self, username: &str, password: Secret) -> Builder {
        self.auth = Some(Auth::BotPassword {
            username: username.to_owned(),
            password,
        });
        self
    }

    /// Authenticate with an owner-only OAuth 2 access token of the account `username`. There is
    /// no session to lose; `build` checks that the wiki accepts the token and whose it is.
    pub fn oauth2(mut self, username: &str, token: Secret) -> Builder {
        self.auth = Some(Auth::OAuth2 {
            username: username.to_owned(),
            token,
        });
        self
    }

    /// How long one HTTP request may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Builder {
        self.timeout = timeout;
        self
    }

    /// How many times a transient failure is retried before it is returned (default 5).
    pub fn max_retries(mut self, retries: u32) -> Builder {
        self.max_retries = retries;
        self
    }

    /// The longest wait before a retry (default [`LONGEST_WAIT`]): a `Retry-After` asking
    /// for more is cut to this, with a warning, so that no answer holds the client for hours.
    pub fn longest_wait(mut self, wait: Duration) -> Builder {
        self.longest_wait = wait;
        self
    }

    /// The least time between two edits (default 10 s, as Wikipedia asks of bots; 0 in tests).
    pub fn edit_interval(mut self, interval: Duration) -> Builder {
        self.gate.interval = interval;
        self
    }

    /// At most `edits` edits for the life of the client (a bot trial's limit); `None`: no limit.
    pub fn edit_budget(mut self, edits: Option<u64>) -> Builder {
        self.gate.budget = edits;
        self
    }

    /// Keep the edit slot, the budget and the run page's reading in `account`, shared by every
    /// process editing as the bot account, instead of in this client alone.
    pub fn account_gate(mut self, account: Arc<dyn AccountGate>) -> Builder {
        self.gate.account = Some(Account(account));
        self
    }

    /// The kill switch: no edit while the page `title` does not say `true`. The page is read at
    /// most once per `every`, not once per edit.
    pub fn run_page(mut self, title: &str, every: Duration) -> Builder {
        self.gate.run_page = Some(RunPage {
            title: title.to_owned(),
            every,
        });
        self
    }

    /// Builds the client and, when credentials were given, logs in (BotPassword) or checks
    /// the token (OAuth 2).
    pub async fn build(self) -> Result<Client, Error> {
        check_user_agent(&self.user_agent)?;
        let http = reqwest::Client::builder()
            .user_agent(&self.user_agent)
            .cookie_store(true)
            .gzip(true)
            .timeout(self.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Setup(e.without_url().to_string()))?;
        let client = Client {
            inner: Arc::new(Inner {
                http,
                host: url::Url::parse(&self.api_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default(),
                api_url: self.api_url,
                maxlag: self.maxlag,
                auth: self.auth,
                max_retries: self.max_retries,
                longest_wait: self.longest_wait,
                session: Mutex::new(Session::default()),
                gate: self.gate,
                uncertain: Default::default(),
                flow: tokio::sync::OnceCell::new(),
            }),
        };
        match &client.inner.auth {
            Some(Auth::BotPassword { .. }) => client.login().await?,
            Some(Auth::OAuth2 { .. }) => client.check_token().await?,
            None => {}
        }
        Ok(client)
    }
}

impl Client {
    /// Starts building a client for the API at `api_url` (`https://en.wikipedia.org/w/api.php`).
    pub fn builder(api_url: &str) -> Builder {
        Builder {
            api_url: api_url.to_owned(),
            user_agent: format!("MatchBot/{} reqwest/0.13", env!("CARGO_PKG_VERSION")),
            maxlag: Some(5),
            auth: None,
            timeout: Duration::from_secs(30),
            max_retries: 5,
            longest_wait: LONGEST_WAIT,
            gate: EditGate::default(),
        }
    }
}

/// An HTTP header carries printable ASCII and spaces only; anything else in the User-Agent is a
/// mistake in the configuration, which no retry mends.
fn check_user_agent(user_agent: &str) -> Result<(), Error> {
    match user_agent
        .chars()
        .find(|c| !(c.is_ascii_graphic() || *c == ' '))
    {
        Some(bad) => Err(Error::UserAgent(format!(
            "holds {bad:?}: it is sent as an HTTP header, which takes printable ASCII and \
             spaces only (percent-encode a user name's other letters, as in its URL)"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_user_agent_no_http_header_can_carry_is_refused_as_configuration() {
        for contact in ["User:Zoë", "ops@example.org\r\nX-Evil: 1", "tab\there"] {
            let built = Client::builder("http://127.0.0.1:9/api.php")
                .user_agent(contact)
                .build()
                .await;
            let Err(error) = built else {
                panic!("{contact:?} was accepted");
            };
            assert!(matches!(error, Error::UserAgent(_)), "{error}");
            assert!(!error.is_transient(), "{error}: not an outage");
            assert!(
                error
                    .to_string()
                    .starts_with("login.useragent: the User-Agent holds"),
                "{error}"
            );
        }
        let fine = Client::builder("http://127.0.0.1:9/api.php")
            .user_agent("User:Zo%C3%AB; ops@example.org")
            .build()
            .await;
        assert!(fine.is_ok(), "{fine:?}");
    }
}
