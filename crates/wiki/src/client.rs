use std::sync::Arc;
use std::time::Duration;

use matchbot_config::Secret;
use serde_json::Value;
use tokio::sync::Mutex;
use tracing::Instrument;

use matchbot_config::WikiAuth;

use crate::error::{ApiError, Error};
use crate::etiquette::{EditGate, RunPage};

/// How the client proves who it is.
#[derive(Clone)]
enum Auth {
    /// `action=login` with a BotPassword (`Bot@appid` and its generated password).
    BotPassword { username: String, password: Secret },
    /// An owner-only OAuth 2 access token, sent as `Authorization: Bearer` on every request.
    OAuth2 { username: String, token: Secret },
}

impl Auth {
    fn username(&self) -> &str {
        match self {
            Auth::BotPassword { username, .. } | Auth::OAuth2 { username, .. } => username,
        }
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`].
pub struct Builder {
    api_url: String,
    user_agent: String,
    maxlag: Option<u32>,
    auth: Option<Auth>,
    timeout: Duration,
    max_retries: u32,
    gate: EditGate,
}

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
        let http = reqwest::Client::builder()
            .user_agent(&self.user_agent)
            .cookie_store(true)
            .gzip(true)
            .timeout(self.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Http(e.without_url().to_string()))?;
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
                session: Mutex::new(Session::default()),
                gate: self.gate,
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

/// A MediaWiki API client. Cheap to clone: clones share the session, cookies and tokens.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    api_url: String,
    /// The wiki's host name, for spans.
    host: String,
    maxlag: Option<u32>,
    auth: Option<Auth>,
    max_retries: u32,
    /// Login state and the cached csrf token. A tokio mutex because logging in awaits, and two
    /// tasks that both find the session lost must not both log in.
    session: Mutex<Session>,
    /// The kill switch, the pause between edits and the edit budget.
    pub(crate) gate: EditGate,
    /// Whether the wiki runs Flow, asked once.
    pub(crate) flow: tokio::sync::OnceCell<bool>,
}

#[derive(Default)]
struct Session {
    logged_in: bool,
    csrf: Option<Secret>,
}

/// What a request is, which decides the parameters it gets and whether it may be resent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A query: GET, safe to resend.
    Read,
    /// An edit: POST with a csrf token; resent only when the wiki said it did nothing.
    Write,
    /// Watching pages: POST with a watch token; safe to resend (watching twice is watching).
    Watch,
    /// Part of logging in: no `assert`, since we are not logged in yet.
    Login,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.inner.api_url)
            .finish_non_exhaustive()
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
            gate: EditGate::default(),
        }
    }

    /// A builder for the configured bot account: the configuration's API URL, User-Agent
    /// contact and credentials, with the defaults above.
    pub fn bot_builder(config: &matchbot_config::WikiConfig) -> Builder {
        let builder = Client::builder(&config.api_url).user_agent(&config.user_agent);
        match &config.auth {
            WikiAuth::BotPassword(password) => {
                builder.bot_password(&config.username, password.clone())
            }
            WikiAuth::OAuth2(token) => builder.oauth2(&config.username, token.clone()),
        }
    }

    /// A client for the configured bot account, logged in (see [`Client::bot_builder`]).
    pub async fn for_bot(config: &matchbot_config::WikiConfig) -> Result<Client, Error> {
        Client::bot_builder(config).build().await
    }

    /// The account edits are made as, when credentials were given.
    pub fn bot_name(&self) -> Option<&str> {
        let user = self.inner.auth.as_ref()?.username();
        user.split('@').next()
    }

    /// Runs a read-only API request (GET).
    pub async fn get(&self, params: &[(&str, &str)]) -> Result<Value, Error> {
        self.request(params, Kind::Read).await
    }

    /// Runs a write (POST) with the csrf token, `assert=bot` and `assertuser`.
    ///
    /// A write is resent only when the wiki said it did nothing (maxlag, read-only, rate limit,
    /// HTTP 429, bad token, lost session). After a timeout or an HTTP 5xx the edit may or may not have been
    /// saved, so the error is returned and the caller must look before it tries again: resending
    /// blindly is how the original posted twice (defect 6).
    pub async fn post_with_token(&self, params: &[(&str, &str)]) -> Result<Value, Error> {
        self.request(params, Kind::Write).await
    }

    /// Runs `action=watch` (or unwatch) with a fresh watch token. Rare (a scanner's start), so
    /// the token is not cached.
    pub(crate) async fn post_watch(&self, params: &[(&str, &str)]) -> Result<Value, Error> {
        self.request(params, Kind::Watch).await
    }

    /// Logs in with the BotPassword (`meta=tokens&type=login`, then `action=login`).
    pub async fn login(&self) -> Result<(), Error> {
        let Some(Auth::BotPassword {
            username: user,
            password,
        }) = &self.inner.auth
        else {
            return Ok(());
        };
        let mut session = self.inner.session.lock().await;
        session.logged_in = false;
        session.csrf = None;
        let tokens = self
            .request(
                &[("action", "query"), ("meta", "tokens"), ("type", "login")],
                Kind::Login,
            )
            .await?;
        let login_token = tokens["query"]["tokens"]["logintoken"]
            .as_str()
            .ok_or_else(|| Error::Decode("no login token in meta=tokens".into()))?
            .to_owned();
        let answer = self
            .request(
                &[
                    ("action", "login"),
                    ("lgname", user),
                    ("lgpassword", password.expose()),
                    ("lgtoken", &login_token),
                ],
                Kind::Login,
            )
            .await?;
        let result = answer["login"]["result"].as_str().unwrap_or("");
        if result != "Success" {
            let reason = answer["login"]["reason"]
                .as_str()
                .or_else(|| answer["login"]["reason"]["text"].as_str())
                .unwrap_or(result)
                .to_owned();
            return Err(Error::LoginFailed {
                user: user.clone(),
                reason,
            });
        }
        session.logged_in = true;
        tracing::info!(user = %user, "logged in to the wiki");
        Ok(())
    }

    /// Asks the wiki who the OAuth 2 token belongs to (`meta=userinfo`): a token the wiki does
    /// not accept, or one of another account, is refused here rather than at the first edit.
    async fn check_token(&self) -> Result<(), Error> {
        let Some(Auth::OAuth2 { username, .. }) = &self.inner.auth else {
            return Ok(());
        };
        let refused = |reason: String| Error::LoginFailed {
            user: username.clone(),
            reason,
        };
        let answer = match self
            .request(&[("action", "query"), ("meta", "userinfo")], Kind::Login)
            .await
        {
            Err(Error::NotLoggedIn(code)) => {
                return Err(refused(format!(
                    "the wiki refused the OAuth 2 token ({code})"
                )));
            }
            other => other?,
        };
        let info = &answer["query"]["userinfo"];
        let expected = self.bot_name().unwrap_or(username);
        match info["name"].as_str() {
            _ if info["anon"].as_bool().unwrap_or(false) => Err(refused(
                "the wiki treated the OAuth 2 token as anonymous".into(),
            )),
            Some(name) if name == expected => {
                self.inner.session.lock().await.logged_in = true;
                tracing::info!(user = %name, "authenticated to the wiki with OAuth 2");
                Ok(())
            }
            other => Err(refused(format!(
                "the OAuth 2 token belongs to {}, not {expected}",
                other.unwrap_or("nobody")
            ))),
        }
    }

    async fn csrf_token(&self) -> Result<Secret, Error> {
        if let Some(token) = self.inner.session.lock().await.csrf.clone() {
            return Ok(token);
        }
        let answer = self
            .request(&[("action", "query"), ("meta", "tokens")], Kind::Read)
            .await?;
        let token = answer["query"]["tokens"]["csrftoken"]
            .as_str()
            .ok_or_else(|| Error::Decode("no csrf token in meta=tokens".into()))?;
        let token = Secret::new(token);
        self.inner.session.lock().await.csrf = Some(token.clone());
        Ok(token)
    }

    async fn watch_token(&self) -> Result<Secret, Error> {
        let answer = self
            .request(
                &[("action", "query"), ("meta", "tokens"), ("type", "watch")],
                Kind::Read,
            )
            .await?;
        let token = answer["query"]["tokens"]["watchtoken"]
            .as_str()
            .ok_or_else(|| Error::Decode("no watch token in meta=tokens".into()))?;
        Ok(Secret::new(token))
    }

    /// The one request loop: adds the standard parameters, sends, and retries what the wiki
    /// says may be retried.
    async fn request(&self, params: &[(&str, &str)], kind: Kind) -> Result<Value, Error> {
        let mut attempt = 0;
        let mut logged_in_again = false;
        let mut fresh_token = false;
        loop {
            let token = match kind {
                Kind::Write => Some(Box::pin(self.csrf_token()).await?),
                Kind::Watch => Some(Box::pin(self.watch_token()).await?),
                _ => None,
            };
            let mut all = self.fix_params(params, kind).await;
            if let Some(token) = &token {
                all.push(("token".to_owned(), token.expose().to_owned()));
            }
            let span = self.client_span(&all, kind);
            let error = match self.send(&all, kind).instrument(span.clone()).await {
                Ok(value) => return Ok(value),
                Err(e) => {
                    span.record("otel.status_code", "error");
                    span.record("error.type", e.code());
                    e
                }
            };
            match error {
                Error::NotLoggedIn(code)
                    if kind != Kind::Login
                        && !logged_in_again
                        && matches!(self.inner.auth, Some(Auth::BotPassword { .. })) =>
                {
                    tracing::warn!(code = %code, "the wiki session was lost; logging in again");
                    logged_in_again = true;
                    Box::pin(self.login()).await?;
                }
                Error::BadToken if matches!(kind, Kind::Write | Kind::Watch) && !fresh_token => {
                    tracing::warn!("the csrf token was rejected; fetching a new one");
                    fresh_token = true;
                    self.inner.session.lock().await.csrf = None;
                }
                error => {
                    // A 429 is refused before the request is handled; after a timeout or
                    // another status the edit may have been saved.
                    let resend_is_safe = kind != Kind::Write
                        || match &error {
                            Error::Http(_) => false,
                            Error::Status { status, .. } => *status == 429,
                            _ => true,
                        };
                    match error.retry_after(attempt) {
                        Some(wait) if resend_is_safe && attempt < self.inner.max_retries => {
                            tracing::warn!(
                                error = %error,
                                wait_ms = wait.as_millis() as u64,
                                attempt = attempt + 1,
                                "wiki request failed; retrying"
                            );
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                        }
                        _ => return Err(error),
                    }
                }
            }
        }
    }

    /// The parameters every request gets (API:Etiquette): JSON in format version 2, errors as
    /// plain text, `maxlag`, and once logged in `assert=bot` (plus `assertuser` on writes).
    async fn fix_params(&self, params: &[(&str, &str)], kind: Kind) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut add = |k: &str, v: &str| all.push((k.to_owned(), v.to_owned()));
        add("format", "json");
        add("formatversion", "2");
        add("errorformat", "plaintext");
        if let Some(lag) = self.inner.maxlag {
            add("maxlag", &lag.to_string());
        }
        if kind != Kind::Login && self.inner.session.lock().await.logged_in {
            add("assert", "bot");
            if kind == Kind::Write
                && let Some(name) = self.bot_name()
            {
                add("assertuser", name);
            }
        }
        all
    }

    /// The CLIENT span of one API request: the method and the module, never the parameters
    /// (a login's or an edit's hold secrets).
    fn client_span(&self, params: &[(String, String)], kind: Kind) -> tracing::Span {
        let method = match kind {
            Kind::Read => "GET",
            Kind::Write | Kind::Watch | Kind::Login => "POST",
        };
        let action = params
            .iter()
            .find(|(k, _)| k == "action")
            .map_or("", |(_, v)| v.as_str());
        tracing::info_span!(
            "wiki",
            otel.name = format!("{method} action={action}"),
            otel.kind = "client",
            otel.status_code = tracing::field::Empty,
            http.request.method = method,
            server.address = self.inner.host.as_str(),
            mediawiki.action = action,
            error.type = tracing::field::Empty,
        )
    }

    async fn send(&self, params: &[(String, String)], kind: Kind) -> Result<Value, Error> {
        let http = &self.inner.http;
        let mut request = match kind {
            Kind::Read => http.get(&self.inner.api_url).query(params),
            Kind::Write | Kind::Watch | Kind::Login => http.post(&self.inner.api_url).form(params),
        };
        if let Some(Auth::OAuth2 { token, .. }) = &self.inner.auth {
            // reqwest marks the header sensitive, so it is never printed with the request.
            request = request.bearer_auth(token.expose());
        }
        // `without_url`: a GET's URL holds its parameters; keep error text short and predictable.
        let response = request
            .send()
            .await
            .map_err(|e| Error::Http(e.without_url().to_string()))?;
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Status {
                status: status.as_u16(),
                retry_after,
            });
        }
        let body: Value = response
            .json()
            .await
            .map_err(|e| Error::Decode(e.without_url().to_string()))?;
        if let Some(warnings) = body.get("warnings").and_then(Value::as_array) {
            for w in warnings {
                tracing::warn!(
                    code = w["code"].as_str().unwrap_or(""),
                    module = w["module"].as_str().unwrap_or(""),
                    text = w["text"].as_str().unwrap_or(""),
                    "wiki API warning"
                );
            }
        }
        if let Some(first) = body
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            // Only one error can be returned; the rest are logged so nothing is hidden.
            for other in body["errors"].as_array().into_iter().flatten().skip(1) {
                tracing::warn!(
                    code = other["code"].as_str().unwrap_or(""),
                    "further API error"
                );
            }
            let error = ApiError {
                code: first["code"].as_str().unwrap_or("unknown").to_owned(),
                info: first["text"].as_str().unwrap_or("").to_owned(),
            };
            return Err(Error::from_api(error, retry_after));
        }
        Ok(body)
    }
}
