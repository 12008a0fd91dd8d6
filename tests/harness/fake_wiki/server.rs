//! The fake's HTTP side: the axum handler, the request's parameters and session cookie, the
//! faults a test asked for, and the dispatch to the module that answers by action (and by
//! `meta`, `list` or `prop` for queries). Also the parts every answer shares: errors and
//! namespaces.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::state::{Session, Wiki};
use super::{Fault, Request};
use super::{categories, edit, flow, login, pages, users, watchlist};

/// Serves `wiki` on a free port of 127.0.0.1: its address and the server's task.
pub(super) async fn serve(wiki: Arc<Mutex<Wiki>>) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let app = Router::new()
        .route("/api.php", axum::routing::get(api).post(api))
        .with_state(wiki);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port for the fake wiki");
    let addr = listener.local_addr().expect("the fake wiki's address");
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("the fake wiki serves");
    });
    (addr, server)
}

/// The request's parameters: the query string, then a POST's form body.
fn params(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut all: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        all.insert(k.into_owned(), v.into_owned());
    }
    for (k, v) in url::form_urlencoded::parse(body) {
        all.insert(k.into_owned(), v.into_owned());
    }
    all
}

const COOKIE: &str = "fakewiki_session";

fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

pub(super) fn error(code: &str, text: &str) -> Value {
    json!({
        "errors": [{ "code": code, "text": text, "module": "main" }],
        "docref": "See http://127.0.0.1/api.php for API usage.",
    })
}

pub(super) fn ns_of(title: &str) -> i64 {
    const NAMESPACES: &[(&str, i64)] = &[
        ("Talk", 1),
        ("User", 2),
        ("User talk", 3),
        ("Wikipedia", 4),
        ("Wikipedia talk", 5),
        ("Category", 14),
    ];
    title
        .split_once(':')
        .and_then(|(prefix, _)| NAMESPACES.iter().find(|(n, _)| *n == prefix))
        .map_or(0, |(_, ns)| *ns)
}

async fn api(
    State(wiki): State<Arc<Mutex<Wiki>>>,
    method: axum::http::Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let p = params(query.as_deref(), &body);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    {
        let mut wiki = wiki.lock().expect("fake wiki state");
        if wiki.keep_log {
            wiki.log.push(Request {
                method: method.to_string(),
                params: p.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                user_agent: headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned(),
                bearer: bearer.is_some(),
            });
        }
    }
    let hang = {
        let mut wiki = wiki.lock().expect("fake wiki state");
        if wiki.faults.front() == Some(&Fault::Hang) {
            wiki.faults.pop_front();
            true
        } else {
            false
        }
    };
    if hang {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        return unavailable();
    }
    let shared = Arc::clone(&wiki);
    let mut wiki = wiki.lock().expect("fake wiki state");
    let wiki = &mut *wiki;
    let mut new_cookie = None;
    let session_id = match session_of(&headers) {
        Some(id) if wiki.sessions.contains_key(&id) => id,
        _ => {
            let id = format!("{:016x}", wiki.random());
            wiki.sessions.insert(id.clone(), Session::default());
            wiki.handed_out.push(id.clone());
            new_cookie = Some(id.clone());
            id
        }
    };
    if let Some(token) = bearer
        && let Err(refused) = login::bearer(wiki, &session_id, &token)
    {
        return axum::Json(refused).into_response();
    }
    let action = p.get("action").cloned().unwrap_or_default();
    let what = ["list", "prop", "meta", "submodule"]
        .iter()
        .find_map(|k| p.get(*k))
        .map_or(action.clone(), |m| format!("{action}/{m}"));
    let count = {
        let count = wiki.requests.entry(what.clone()).or_default();
        *count += 1;
        *count
    };
    if let Some(i) = wiki
        .faults_at
        .iter()
        .position(|(kind, n, _)| *kind == what && *n == count)
    {
        let (_, _, faults) = wiki.faults_at.remove(i);
        wiki.faults.extend(faults);
    }

    let mut fault = wiki.faults.pop_front();
    if fault.is_none() && action == "edit" {
        fault = wiki.edit_faults.pop_front();
    }
    if fault.is_none() && wiki.flaky_per_mille > 0 && wiki.random() % 1000 < wiki.flaky_per_mille {
        fault = Some(if action == "edit" && wiki.random() % 2 == 0 {
            Fault::SavedThenUnavailable
        } else {
            Fault::Unavailable
        });
    }
    let mut response = match fault {
        Some(Fault::Unavailable) => {
            wiki.unavailable += 1;
            unavailable()
        }
        Some(Fault::Captcha) => axum::Json(json!({ "edit": {
            "captcha": {
                "type": "image",
                "mime": "image/png",
                "id": "1337851292",
                "url": "/index.php?title=Special:Captcha/image&wpCaptchaId=1337851292",
            },
            "result": "Failure",
        }}))
        .into_response(),
        Some(Fault::UnknownCode) => {
            let mut refused = error(
                "abusefilter-disallowed",
                "This action has been automatically identified as harmful, and therefore disallowed.",
            );
            refused["errors"][0]["module"] = json!("edit");
            refused["errors"][0]["data"] = json!({ "abusefilter": {
                "id": "7", "description": "New users linking", "actions": ["disallow"],
            }});
            axum::Json(refused).into_response()
        }
        Some(Fault::NotJson) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html><html><body>Please sign in to the network.</body></html>",
        )
            .into_response(),
        Some(Fault::SavedLater) => {
            let (session_id, p) = (session_id.clone(), p.clone());
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                let mut wiki = shared.lock().expect("fake wiki state");
                handle(&mut wiki, &session_id, "edit", &p);
            });
            wiki.unavailable += 1;
            unavailable()
        }
        Some(Fault::UnavailableForADay) => {
            wiki.unavailable += 1;
            let mut r = unavailable();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("86400"));
            r
        }
        Some(Fault::Maxlag) => {
            let mut r = axum::Json(error("maxlag", "Waiting for 10.64.0.1: 7 seconds lagged."))
                .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r.headers_mut()
                .insert("mediawiki-api-error", HeaderValue::from_static("maxlag"));
            r
        }
        Some(Fault::Hang) => unavailable(),
        Some(Fault::TooManyRequests) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "Too many requests",
        )
            .into_response(),
        Some(Fault::RateLimited) => axum::Json(error(
            "ratelimited",
            "As an anti-abuse measure, you are limited from performing this action too many times in a short space of time, and you have exceeded this limit. Please try again in a few minutes.",
        ))
        .into_response(),
        Some(Fault::StaleToken) => {
            if let Some(s) = wiki.sessions.get_mut(&session_id) {
                s.csrf = None;
            }
            axum::Json(handle(wiki, &session_id, &action, &p)).into_response()
        }
        Some(Fault::LoseSession) => {
            if let Some(s) = wiki.sessions.get_mut(&session_id) {
                *s = Session::default();
            }
            axum::Json(handle(wiki, &session_id, &action, &p)).into_response()
        }
        Some(Fault::SavedThenUnavailable) => {
            let saved = handle(wiki, &session_id, &action, &p);
            wiki.unavailable += 1;
            if saved.get("edit").is_some() {
                wiki.saved_then_unavailable += 1;
            }
            unavailable()
        }
        None => axum::Json(handle(wiki, &session_id, &action, &p)).into_response(),
    };
    if let Some(id) = new_cookie
        && let Ok(v) = HeaderValue::from_str(&format!("{COOKIE}={id}; path=/; HttpOnly"))
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "1")],
        "<html><body>Our servers are currently under maintenance or experiencing a technical problem.</body></html>",
    )
        .into_response()
}

fn handle(wiki: &mut Wiki, session_id: &str, action: &str, p: &HashMap<String, String>) -> Value {
    let user = wiki.sessions.get(session_id).and_then(|s| s.user.clone());
    if let Some(refused) = login::refuse_failed_assert(user.as_deref(), p) {
        return refused;
    }
    match action {
        "query" => query(wiki, session_id, p),
        "login" => login::login(wiki, session_id, p),
        "edit" => edit::edit(wiki, session_id, user, p),
        "watch" => watchlist::watch(wiki, session_id, user, p),
        "flow" if wiki.flow => flow::flow(wiki, session_id, user, p),
        other => error(
            "badvalue",
            &format!("Unrecognized value for parameter \"action\": {other}."),
        ),
    }
}

fn query(wiki: &mut Wiki, session_id: &str, p: &HashMap<String, String>) -> Value {
    let mut answer = json!({ "batchcomplete": true });
    if p.get("curtimestamp").is_some() {
        answer["curtimestamp"] = json!(wiki.now().to_string());
    }
    if p.get("meta").map(String::as_str) == Some("tokens") {
        return login::tokens(wiki, session_id, p, answer);
    }
    if p.get("meta").map(String::as_str) == Some("userinfo") {
        return login::userinfo(wiki, session_id, answer);
    }
    if p.get("meta").map(String::as_str) == Some("siteinfo") {
        return flow::siteinfo(wiki, answer);
    }
    if p.get("list").map(String::as_str) == Some("categorymembers") {
        return categories::category_members(wiki, p, answer);
    }
    if p.get("list").map(String::as_str) == Some("watchlist") {
        let user = wiki.sessions.get(session_id).and_then(|s| s.user.clone());
        return watchlist::watchlist(wiki, user, p, answer);
    }
    if p.get("list").map(String::as_str) == Some("users") {
        return users::users(wiki, p, answer);
    }
    if let Some(props) = p.get("prop") {
        let user = wiki.sessions.get(session_id).and_then(|s| s.user.clone());
        let mut answer = pages::pages(wiki, props, p, answer);
        watchlist::mark_watched(wiki, user, p, &mut answer);
        return answer;
    }
    answer
}
