//! The client: one shared session per wiki, and the three kinds of request everything else is
//! built on (a read, a write with the csrf token, a watch).

use std::sync::Arc;

use matchbot_secret::Secret;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::auth::Auth;
use crate::error::Error;
use crate::gate::{EditGate, Uncertain};

/// A MediaWiki API client. Cheap to clone: clones share the session, cookies and tokens.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) api_url: String,
    /// The wiki's host name, for spans.
    pub(crate) host: String,
    pub(crate) maxlag: Option<u32>,
    pub(crate) auth: Option<Auth>,
    pub(crate) max_retries: u32,
    /// The longest the client waits before a retry, whatever `Retry-After` asks.
    pub(crate) longest_wait: std::time::Duration,
    /// Login state and the cached csrf token. A tokio mutex because logging in awaits, and two
    /// tasks that both find the session lost must not both log in.
    pub(crate) session: Mutex<Session>,
    /// The kill switch, the pause between edits and the edit budget.
    pub(crate) gate: EditGate,
    /// Pages whose last edit's result is unknown.
    pub(crate) uncertain: Uncertain,
    /// Whether the wiki runs Flow, asked once.
    pub(crate) flow: tokio::sync::OnceCell<bool>,
}

#[derive(Default)]
pub(crate) struct Session {
    pub(crate) logged_in: bool,
    pub(crate) csrf: Option<Secret>,
}

/// What a request is, which decides the parameters it gets and whether it may be resent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
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
    /// blindly is how the original posted twice (its defect 6, in docs/ARCHITECTURE.md).
    pub async fn post_with_token(&self, params: &[(&str, &str)]) -> Result<Value, Error> {
        self.request(params, Kind::Write).await
    }

    /// Runs `action=watch` (or unwatch) with a fresh watch token. Rare (a scanner's start), so
    /// the token is not cached.
    pub(crate) async fn post_watch(&self, params: &[(&str, &str)]) -> Result<Value, Error> {
        self.request(params, Kind::Watch).await
    }
}
