//! A counting proxy in front of the sandbox wiki: every request MatchBot sends goes through to
//! the real MediaWiki and back unchanged, and is noted on the way, so a test can count exactly
//! what the wiki received from the bot and nothing that other tests sent it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One request that went through.
#[derive(Debug, Clone)]
pub struct Passed {
    /// When it arrived.
    pub at: Instant,
    /// `GET` or `POST`.
    pub method: String,
    /// Query string and form body together.
    pub params: BTreeMap<String, String>,
}

impl Passed {
    /// What kind of request this is, for a person reading a count: `list=watchlist`,
    /// `action=edit`, `meta=tokens`, `prop=info|revisions|categories`, …
    pub fn kind(&self) -> String {
        let action = self.params.get("action").map_or("", String::as_str);
        if action != "query" {
            return format!("action={action}");
        }
        for key in ["list", "meta", "prop"] {
            if let Some(value) = self.params.get(key) {
                return format!("{key}={value}");
            }
        }
        "action=query".into()
    }
}

#[derive(Clone)]
struct Shared {
    target: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Passed>>>,
}

/// A running proxy. Dropping it stops it.
pub struct CountingProxy {
    /// `host:port`, for `login.site`.
    pub site: String,
    log: Arc<Mutex<Vec<Passed>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl CountingProxy {
    /// Starts a proxy on a free port of 127.0.0.1 for the API at `target`.
    pub async fn start(target: &str) -> CountingProxy {
        CountingProxy::start_at(std::net::Ipv4Addr::LOCALHOST.into(), target).await
    }

    /// Starts a proxy on a free port of `ip` for the API at `target`: an address other than
    /// loopback lets a bot elsewhere (in a container) reach a wiki that listens on loopback.
    pub async fn start_at(ip: std::net::IpAddr, target: &str) -> CountingProxy {
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            target: target.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            log: log.clone(),
        };
        let app = Router::new()
            .route("/api.php", axum::routing::get(forward).post(forward))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind((ip, 0))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {ip} for the proxy: {e}"));
        let addr = listener.local_addr().expect("the proxy's address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the proxy serves");
        });
        CountingProxy {
            site: addr.to_string(),
            log,
            server,
        }
    }

    /// Every request that went through, in order.
    pub fn log(&self) -> Vec<Passed> {
        self.log.lock().expect("proxy log").clone()
    }

    /// The requests that arrived at or after `since`.
    pub fn since(&self, since: Instant) -> Vec<Passed> {
        self.log().into_iter().filter(|r| r.at >= since).collect()
    }
}

async fn forward(
    State(shared): State<Shared>,
    method: axum::http::Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    let query = query.unwrap_or_default();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        params.insert(k.into_owned(), v.into_owned());
    }
    for (k, v) in url::form_urlencoded::parse(&body) {
        params.insert(k.into_owned(), v.into_owned());
    }
    shared.log.lock().expect("proxy log").push(Passed {
        at: Instant::now(),
        method: method.to_string(),
        params,
    });

    let url = if query.is_empty() {
        shared.target.clone()
    } else {
        format!("{}?{query}", shared.target)
    };
    let mut request = shared.http.request(method, url).body(body);
    for name in [
        header::COOKIE,
        header::CONTENT_TYPE,
        header::USER_AGENT,
        header::AUTHORIZATION,
    ] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for name in [
        header::SET_COOKIE,
        header::CONTENT_TYPE,
        header::RETRY_AFTER,
    ] {
        for value in answer.headers().get_all(&name) {
            response = response.header(&name, value);
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    response
        .body(axum::body::Body::from(body))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}
