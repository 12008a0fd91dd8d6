//! The one request loop every API call goes through: the parameters every request gets, the
//! span it is traced in, and the retries the wiki's answer allows.

use std::time::Duration;

use serde_json::Value;
use tracing::Instrument;

use crate::auth::Auth;
use crate::client::{Client, Kind};
use crate::error::{ApiError, Error};

impl Client {
    /// The one request loop: adds the standard parameters, sends, and retries what the wiki
    /// says may be retried.
    pub(crate) async fn request(
        &self,
        params: &[(&str, &str)],
        kind: Kind,
    ) -> Result<Value, Error> {
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
                            let wait = bounded_wait(wait, self.inner.longest_wait);
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
        // The format before `errorformat` (a wiki or a proxy that ignores it): one `error`.
        if let Some(old) = body.get("error").filter(|e| e.is_object()) {
            return Err(Error::from_api(api_error(old, "info"), retry_after));
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
            return Err(Error::from_api(api_error(first, "text"), retry_after));
        }
        Ok(body)
    }
}

/// `wait`, or `longest` when the wiki asked for more (a `Retry-After` of a day, say), which is
/// logged: an answer must not hold the client, and the entry it works on, for hours.
fn bounded_wait(wait: Duration, longest: Duration) -> Duration {
    if wait <= longest {
        return wait;
    }
    tracing::warn!(
        asked_secs = wait.as_secs(),
        waiting_secs = longest.as_secs(),
        "the wiki asked to wait longer than the client's longest wait before a retry; waiting the longest wait"
    );
    longest
}

/// An API error as the wiki wrote it: its code, and its text (field `text_field`: `text` with
/// `errorformat`, `info` in the older form). The text is the wiki's to choose: it is kept to a
/// length a log line and a row take.
fn api_error(error: &Value, text_field: &str) -> ApiError {
    let code = if is_flow_throttle(error) {
        "ratelimited"
    } else {
        error["code"].as_str().unwrap_or("unknown")
    };
    ApiError {
        code: code.to_owned(),
        info: error[text_field]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(500)
            .collect(),
    }
}

/// Flow answers MediaWiki's edit throttle as `spamfilter` with the message key
/// `actionthrottledtext` (under `data` with `errorformat`), where core answers `ratelimited`:
/// the same condition, waited out the same way.
fn is_flow_throttle(error: &Value) -> bool {
    error["code"] == "spamfilter"
        && [&error["data"]["spamfilter"], &error["spamfilter"]]
            .iter()
            .any(|filter| filter["messageKey"] == "actionthrottledtext")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_throttle_is_the_rate_limit_and_other_spam_filters_are_not() {
        // As Flow REL1_39 answers a throttled new-topic, with and without `errorformat`.
        let with_errorformat = serde_json::json!({ "code": "spamfilter",
            "text": "As an anti-abuse measure, you are limited from performing this action too many times",
            "data": { "spamfilter": { "messageKey": "actionthrottledtext", "details": null } },
            "module": "flow+new-topic" });
        let without = serde_json::json!({ "code": "spamfilter", "info": "As an anti-abuse measure",
            "spamfilter": { "messageKey": "actionthrottledtext", "details": null } });
        assert_eq!(api_error(&with_errorformat, "text").code, "ratelimited");
        assert_eq!(api_error(&without, "info").code, "ratelimited");
        let caught = serde_json::json!({ "code": "spamfilter", "text": "Your edit was caught",
            "data": { "spamfilter": { "messageKey": "flow-spam-confirmedit-form" } } });
        assert_eq!(api_error(&caught, "text").code, "spamfilter");
    }

    #[test]
    fn a_wait_the_wiki_asks_for_is_cut_to_the_longest() {
        let longest = Duration::from_secs(30);
        let day = Duration::from_secs(86_400);
        assert_eq!(bounded_wait(day, longest), longest);
        assert_eq!(
            bounded_wait(Duration::from_secs(5), longest),
            Duration::from_secs(5)
        );
        let asked = Error::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(u64::MAX)),
        };
        let wait = asked.retry_after(0).expect("a 503 is retried");
        assert_eq!(bounded_wait(wait, longest), longest);
    }
}
