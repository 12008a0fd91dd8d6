//! A fake MediaWiki action API, for what the real wiki cannot do on demand: answer 503 in the
//! middle of an edit it did save, hold a thousand profiles made in seconds, keep a clock that
//! gives the same timestamps on every run.
//!
//! It answers the requests MatchBot makes the way the API documents them (formatversion=2,
//! `errorformat=plaintext` errors in `errors[]`, sessions in a cookie, login and csrf tokens,
//! OAuth 2 bearer tokens, `assert`/`assertuser`, continuation, watchlists with `categorize`
//! changes (as `$wgRCWatchCategoryMembership` makes them), blocks, and Flow's `action=flow`
//! new-topic, view-topiclist and view-header on a wiki where Flow is enabled), and keeps a log
//! of every request and every edit. It knows nothing about MatchBot: tests seed it with users,
//! pages and category links as a person would make them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use matchbot_config::Timestamp;
use serde_json::{Value, json};

/// The fake's clock.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The machine's clock (for tests where time passes, such as the fault test).
    Real,
    /// Starts at the given time and moves one second per saved revision: the same seeding and
    /// the same edits give the same timestamps and revision ids on every run.
    Stepped(Timestamp),
}

/// Something to go wrong with a coming request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer HTTP 503 without doing anything.
    Unavailable,
    /// Save the edit, then answer HTTP 503: the client cannot know it was saved.
    SavedThenUnavailable,
    /// Answer the `maxlag` error with `Retry-After: 1`.
    Maxlag,
    /// Forget the session, as an expired cookie would.
    LoseSession,
    /// Answer nothing for a minute, then 503: a wiki that hangs.
    Hang,
    /// Answer HTTP 429 Too Many Requests with `Retry-After: 1`.
    TooManyRequests,
    /// Answer the `ratelimited` error (MediaWiki sends no `Retry-After` with it).
    RateLimited,
    /// Forget the session's csrf token, so the one the client holds is refused (`badtoken`).
    StaleToken,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET` or `POST`.
    pub method: String,
    /// Query string and form body together.
    pub params: BTreeMap<String, String>,
    /// The User-Agent header.
    pub user_agent: String,
    /// Whether it carried `Authorization: Bearer`.
    pub bearer: bool,
}

/// A topic posted on a Flow board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// The board.
    pub board: String,
    /// The topic's title.
    pub title: String,
    /// The first post's wikitext.
    pub content: String,
    /// Who posted it.
    pub user: String,
    /// The first post's revision id (a Flow UUID).
    pub post_revision_id: String,
    /// `Topic:…`.
    pub topic_page: String,
}

/// One edit the fake saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The page edited.
    pub title: String,
    /// Who saved it.
    pub user: String,
    /// The text added (`appendtext`) or the whole text (`text`).
    pub text: String,
    /// The edit summary.
    pub summary: String,
    /// The new revision.
    pub revid: u64,
    /// When it was saved.
    pub timestamp: Timestamp,
}

#[derive(Debug, Clone)]
struct Revision {
    revid: u64,
    user: String,
    userid: u64,
    timestamp: Timestamp,
    text: String,
}

#[derive(Debug, Clone)]
struct Page {
    pageid: u64,
    title: String,
    content_model: String,
    revisions: Vec<Revision>,
}

#[derive(Debug, Default)]
struct Session {
    login_token: Option<String>,
    user: Option<String>,
    csrf: Option<String>,
}

struct Wiki {
    clock: Clock,
    next_id: u64,
    users: BTreeMap<String, u64>,
    /// BotPassword logins: `Name@app` → password.
    bot_passwords: BTreeMap<String, String>,
    pages: BTreeMap<String, Page>,
    titles: HashMap<u64, String>,
    /// Category → (page id, when it was added), in the order added.
    categories: BTreeMap<String, Vec<(u64, Timestamp)>>,
    /// The same links by page: page id → category → when it was added.
    memberships: HashMap<u64, BTreeMap<String, Timestamp>>,
    /// Every page added to or removed from a category: (category, page id, revision, time).
    category_changes: Vec<(String, u64, u64, Timestamp)>,
    /// (user, title) of every watched page.
    watched: std::collections::BTreeSet<(String, String)>,
    /// Accounts blocked from editing the whole wiki.
    blocked: std::collections::BTreeSet<String>,
    sessions: HashMap<String, Session>,
    edits: Vec<Edit>,
    requests: BTreeMap<String, usize>,
    faults: VecDeque<Fault>,
    /// Of every 1000 requests, how many get a random 503 (half of the edits among them saved).
    flaky_per_mille: u64,
    rng: u64,
    unavailable: usize,
    saved_then_unavailable: usize,
    log: Vec<Request>,
    /// When false, requests are counted but not kept in `log` (a benchmark's millions).
    keep_log: bool,
    /// OAuth 2 access tokens → account.
    oauth_tokens: BTreeMap<String, String>,
    /// Every token and session id handed out, for tests that look for leaks.
    handed_out: Vec<String>,
    protected: Vec<String>,
    flow: bool,
    topics: Vec<Topic>,
    headers: BTreeMap<String, String>,
}

/// A running fake wiki. Dropping it stops the server.
pub struct FakeWiki {
    /// Its API endpoint, `http://127.0.0.1:<port>/api.php`.
    pub api: String,
    /// `host:port`, for `login.site`.
    pub site: String,
    wiki: Arc<Mutex<Wiki>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWiki {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeWiki {
    /// Starts a fake wiki on a free port of 127.0.0.1.
    pub async fn start(clock: Clock) -> FakeWiki {
        let wiki = Arc::new(Mutex::new(Wiki {
            clock,
            next_id: 1,
            users: BTreeMap::new(),
            bot_passwords: BTreeMap::new(),
            pages: BTreeMap::new(),
            titles: HashMap::new(),
            categories: BTreeMap::new(),
            memberships: HashMap::new(),
            category_changes: Vec::new(),
            watched: Default::default(),
            blocked: Default::default(),
            sessions: HashMap::new(),
            edits: Vec::new(),
            requests: BTreeMap::new(),
            faults: VecDeque::new(),
            flaky_per_mille: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
            unavailable: 0,
            saved_then_unavailable: 0,
            log: Vec::new(),
            keep_log: true,
            oauth_tokens: BTreeMap::new(),
            handed_out: Vec::new(),
            protected: Vec::new(),
            flow: false,
            topics: Vec::new(),
            headers: BTreeMap::new(),
        }));
        let app = Router::new()
            .route("/api.php", axum::routing::get(api).post(api))
            .with_state(wiki.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port for the fake wiki");
        let addr = listener.local_addr().expect("the fake wiki's address");
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the fake wiki serves");
        });
        FakeWiki {
            api: format!("http://{addr}/api.php"),
            site: addr.to_string(),
            wiki,
            server,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Wiki> {
        self.wiki.lock().expect("fake wiki state")
    }

    /// Registers `name` and returns its user id.
    pub fn add_user(&self, name: &str) -> u64 {
        self.lock().user(name)
    }

    /// Registers the bot account `Name@app` with a BotPassword.
    pub fn add_bot(&self, login: &str, password: &str) {
        let mut wiki = self.lock();
        let name = login.split('@').next().unwrap_or(login).to_owned();
        wiki.user(&name);
        wiki.bot_passwords
            .insert(login.to_owned(), password.to_owned());
    }

    /// Saves `text` on `title` as `user` (creating both if needed); returns the page id.
    pub fn edit(&self, user: &str, title: &str, text: &str) -> u64 {
        let mut wiki = self.lock();
        let (pageid, _) = wiki.save(user, title, text, false);
        pageid
    }

    /// Makes `title` a Flow board (its content model `flow-board`).
    pub fn make_flow_board(&self, title: &str) {
        let mut wiki = self.lock();
        wiki.save("Flow talk page manager", title, "", false);
        if let Some(page) = wiki.pages.get_mut(title) {
            page.content_model = "flow-board".into();
        }
    }

    /// Lets `token` stand for `account`, as an owner-only OAuth 2 consumer's access token does.
    pub fn add_oauth_token(&self, token: &str, account: &str) {
        let mut wiki = self.lock();
        wiki.user(account);
        wiki.oauth_tokens
            .insert(token.to_owned(), account.to_owned());
    }

    /// Protects `title`: edits by the API answer `protectedpage`.
    pub fn protect(&self, title: &str) {
        self.lock().protected.push(title.to_owned());
    }

    /// Installs Flow: `action=flow` answers and siteinfo lists the extension.
    pub fn enable_flow(&self) {
        self.lock().flow = true;
    }

    /// Sets a Flow board's header (its own wikitext, where `{{nobots}}` goes).
    pub fn set_board_header(&self, board: &str, wikitext: &str) {
        self.lock()
            .headers
            .insert(board.to_owned(), wikitext.to_owned());
    }

    /// Every topic posted on a Flow board, in order.
    pub fn topics(&self) -> Vec<Topic> {
        self.lock().topics.clone()
    }

    /// Stops keeping each request in [`FakeWiki::log`]; they are still counted in
    /// [`FakeWiki::requests`]. For benchmarks that send millions.
    pub fn forget_requests(&self) {
        let mut wiki = self.lock();
        wiki.keep_log = false;
        wiki.log = Vec::new();
    }

    /// Every request received, in order.
    pub fn log(&self) -> Vec<Request> {
        self.lock().log.clone()
    }

    /// Every login token, csrf token and session cookie the fake handed out.
    pub fn secrets_handed_out(&self) -> Vec<String> {
        self.lock().handed_out.clone()
    }

    /// How many requests read `title` (`titles=` naming it).
    pub fn reads_of(&self, title: &str) -> usize {
        self.lock()
            .log
            .iter()
            .filter(|r| {
                r.params
                    .get("titles")
                    .is_some_and(|t| t.split('|').any(|t| t == title))
            })
            .count()
    }

    /// Adds the existing page `title` to `category` now (by the fake's clock), noting the
    /// change for watchlists.
    pub fn categorize(&self, title: &str, category: &str) {
        let now = self.lock().now();
        self.categorize_at(title, category, now);
    }

    /// Adds the existing page `title` to `category` as if it had been at `at` (to rebuild a
    /// recorded wiki), noting the change for watchlists.
    pub fn categorize_at(&self, title: &str, category: &str, now: Timestamp) {
        let mut wiki = self.lock();
        let (pageid, revid) = wiki.page_ids(title);
        wiki.categories
            .entry(category.to_owned())
            .or_default()
            .push((pageid, now));
        wiki.memberships
            .entry(pageid)
            .or_default()
            .insert(category.to_owned(), now);
        wiki.category_changes
            .push((category.to_owned(), pageid, revid, now));
    }

    /// Takes `title` out of `category`, noting the change for watchlists.
    pub fn uncategorize(&self, title: &str, category: &str) {
        let mut wiki = self.lock();
        let (pageid, revid) = wiki.page_ids(title);
        let now = wiki.now();
        if let Some(members) = wiki.categories.get_mut(category) {
            members.retain(|(id, _)| *id != pageid);
        }
        if let Some(categories) = wiki.memberships.get_mut(&pageid) {
            categories.remove(category);
        }
        wiki.category_changes
            .push((category.to_owned(), pageid, revid, now));
    }

    /// Blocks `user` from editing the whole wiki.
    pub fn block(&self, user: &str) {
        self.lock().blocked.insert(user.to_owned());
    }

    /// The pages on `user`'s watchlist.
    pub fn watchlist(&self, user: &str) -> Vec<String> {
        let wiki = self.lock();
        wiki.watched
            .iter()
            .filter(|(u, _)| u == user)
            .map(|(_, t)| t.clone())
            .collect()
    }

    /// The current text of `title`, if it exists.
    pub fn text(&self, title: &str) -> Option<String> {
        let wiki = self.lock();
        wiki.pages
            .get(title)
            .and_then(|p| p.revisions.last())
            .map(|r| r.text.clone())
    }

    /// Every edit saved through the API, in order.
    pub fn edits(&self) -> Vec<Edit> {
        self.lock().edits.clone()
    }

    /// How many API requests arrived, by `action` (and `list`/`prop`/`meta` for queries).
    pub fn requests(&self) -> BTreeMap<String, usize> {
        self.lock().requests.clone()
    }

    /// How many requests were answered 503 (by [`Fault`]s and flakiness).
    pub fn unavailable(&self) -> usize {
        self.lock().unavailable
    }

    /// How many of those 503s came after the edit was saved.
    pub fn saved_then_unavailable(&self) -> usize {
        self.lock().saved_then_unavailable
    }

    /// Makes the next requests go wrong, in order.
    pub fn fail_next(&self, faults: &[Fault]) {
        self.lock().faults.extend(faults.iter().copied());
    }

    /// From now on, `per_mille` of every 1000 requests fail with HTTP 503 (half of the failed
    /// edits are saved before the 503).
    pub fn set_flaky(&self, per_mille: u64) {
        self.lock().flaky_per_mille = per_mille;
    }
}

impl Wiki {
    fn id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The page id and latest revision of the existing page `title`.
    fn page_ids(&self, title: &str) -> (u64, u64) {
        let page = self.pages.get(title);
        let page = page.unwrap_or_else(|| panic!("{title} does not exist on the fake wiki"));
        (page.pageid, page.revisions.last().map_or(0, |r| r.revid))
    }

    fn now(&self) -> Timestamp {
        match self.clock {
            Clock::Real => Timestamp::now(),
            Clock::Stepped(t) => t,
        }
    }

    fn tick(&mut self) -> Timestamp {
        match &mut self.clock {
            Clock::Real => Timestamp::now(),
            Clock::Stepped(t) => {
                *t = t.plus_seconds(1);
                *t
            }
        }
    }

    fn user(&mut self, name: &str) -> u64 {
        if let Some(id) = self.users.get(name) {
            return *id;
        }
        let id = self.id();
        self.users.insert(name.to_owned(), id);
        id
    }

    /// Saves a revision; `append` adds `text` to the current text. Returns (page id, revision).
    fn save(&mut self, user: &str, title: &str, text: &str, append: bool) -> (u64, Revision) {
        let userid = self.user(user);
        let timestamp = self.tick();
        let revid = self.id();
        if !self.pages.contains_key(title) {
            let pageid = self.id();
            self.titles.insert(pageid, title.to_owned());
            self.pages.insert(
                title.to_owned(),
                Page {
                    pageid,
                    title: title.to_owned(),
                    content_model: "wikitext".into(),
                    revisions: Vec::new(),
                },
            );
        }
        let page = self.pages.get_mut(title).expect("just inserted");
        let old = page.revisions.last().map(|r| r.text.as_str()).unwrap_or("");
        let text = if append {
            format!("{old}{text}")
        } else {
            text.to_owned()
        };
        let revision = Revision {
            revid,
            user: user.to_owned(),
            userid,
            timestamp,
            text,
        };
        page.revisions.push(revision.clone());
        (page.pageid, revision)
    }

    fn random(&mut self) -> u64 {
        // xorshift64: reproducible, and enough to scatter faults.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
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

fn error(code: &str, text: &str) -> Value {
    json!({
        "errors": [{ "code": code, "text": text, "module": "main" }],
        "docref": "See http://127.0.0.1/api.php for API usage.",
        "servedby": "fakewiki",
    })
}

fn ns_of(title: &str) -> i64 {
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
    if let Some(token) = bearer {
        // An OAuth request is authenticated by its header alone, whatever the session says.
        match wiki.oauth_tokens.get(&token).cloned() {
            Some(account) => {
                if let Some(s) = wiki.sessions.get_mut(&session_id) {
                    s.user = Some(account);
                }
            }
            None => {
                return axum::Json(error(
                    "mwoauth-invalid-authorization",
                    "The authorization headers in your request are not valid: Invalid access token",
                ))
                .into_response();
            }
        }
    }
    let action = p.get("action").cloned().unwrap_or_default();
    let what = ["list", "prop", "meta", "submodule"]
        .iter()
        .find_map(|k| p.get(*k))
        .map_or(action.clone(), |m| format!("{action}/{m}"));
    *wiki.requests.entry(what).or_default() += 1;

    let mut fault = wiki.faults.pop_front();
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
    if let Some(assert) = p.get("assert") {
        let ok = match assert.as_str() {
            "user" | "bot" => user.is_some(),
            _ => true,
        };
        if !ok {
            let code = if assert == "bot" {
                "assertbotfailed"
            } else {
                "assertuserfailed"
            };
            return error(
                code,
                "You are no longer logged in, so the action could not be completed.",
            );
        }
    }
    if let Some(expected) = p.get("assertuser")
        && user.as_deref() != Some(expected.as_str())
    {
        return error(
            "assertnameduserfailed",
            &format!("You are no longer logged in as \"{expected}\"."),
        );
    }
    match action {
        "query" => query(wiki, session_id, p),
        "login" => login(wiki, session_id, p),
        "edit" => edit(wiki, session_id, user, p),
        "watch" => watch(wiki, session_id, user, p),
        "flow" if wiki.flow => flow(wiki, session_id, user, p),
        other => error(
            "badvalue",
            &format!("Unrecognized value for parameter \"action\": {other}."),
        ),
    }
}

fn login(wiki: &mut Wiki, session_id: &str, p: &HashMap<String, String>) -> Value {
    let name = p.get("lgname").cloned().unwrap_or_default();
    let token_ok = {
        let session = wiki.sessions.get(session_id);
        session.and_then(|s| s.login_token.as_deref()) == p.get("lgtoken").map(String::as_str)
    };
    if !token_ok {
        return json!({ "login": { "result": "WrongToken" } });
    }
    let password_ok = wiki.bot_passwords.get(&name) == p.get("lgpassword");
    if !password_ok {
        return json!({ "login": {
            "result": "Failed",
            "reason": "Incorrect username or password entered. Please try again.",
        }});
    }
    let account = name.split('@').next().unwrap_or(&name).to_owned();
    let userid = wiki.user(&account);
    if let Some(s) = wiki.sessions.get_mut(session_id) {
        s.user = Some(account.clone());
        s.login_token = None;
        s.csrf = None;
    }
    json!({ "login": { "result": "Success", "lguserid": userid, "lgusername": account } })
}

/// The `badtoken` error when a write's `token` is not the session's csrf token.
fn refuse_bad_token(wiki: &Wiki, session_id: &str, p: &HashMap<String, String>) -> Option<Value> {
    let csrf = wiki.sessions.get(session_id).and_then(|s| s.csrf.clone());
    // An anonymous session's token is "+\".
    let expected = csrf.unwrap_or_else(|| "+\\".to_owned());
    (p.get("token") != Some(&expected)).then(|| error("badtoken", "Invalid CSRF token."))
}

fn edit(
    wiki: &mut Wiki,
    session_id: &str,
    user: Option<String>,
    p: &HashMap<String, String>,
) -> Value {
    if let Some(refused) = refuse_bad_token(wiki, session_id, p) {
        return refused;
    }
    let Some(user) = user else {
        return error(
            "permissiondenied",
            "The action you have requested is limited to users in the group: Users.",
        );
    };
    let Some(title) = p.get("title").filter(|t| !t.is_empty()) else {
        return error("missingparam", "The \"title\" parameter must be set.");
    };
    if wiki.protected.contains(title) {
        return error(
            "protectedpage",
            "This page has been protected to prevent editing or other actions.",
        );
    }
    if wiki
        .pages
        .get(title)
        .is_some_and(|page| page.content_model == "flow-board")
    {
        return error(
            "contentmodel-mismatch",
            "The content you supplied is not allowed on a Flow board.",
        );
    }
    let (text, append) = match (p.get("appendtext"), p.get("text")) {
        (Some(t), _) => (t.clone(), true),
        (None, Some(t)) => (t.clone(), false),
        (None, None) => {
            return error(
                "missingparam",
                "One of the parameters \"text\" and \"appendtext\" is required.",
            );
        }
    };
    let existed = wiki
        .pages
        .get(title)
        .and_then(|p| p.revisions.last())
        .map(|r| r.revid);
    let (pageid, revision) = wiki.save(&user, title, &text, append);
    wiki.edits.push(Edit {
        title: title.clone(),
        user,
        text,
        summary: p.get("summary").cloned().unwrap_or_default(),
        revid: revision.revid,
        timestamp: revision.timestamp,
    });
    let mut result = json!({
        "result": "Success",
        "pageid": pageid,
        "title": title,
        "contentmodel": "wikitext",
        "newrevid": revision.revid,
        "newtimestamp": revision.timestamp.to_string(),
        "watched": false,
    });
    match existed {
        Some(old) => result["oldrevid"] = json!(old),
        None => result["new"] = json!(true),
    }
    json!({ "edit": result })
}

/// `action=flow`: new-topic (a write), view-topiclist and view-header (reads).
fn flow(
    wiki: &mut Wiki,
    session_id: &str,
    user: Option<String>,
    p: &HashMap<String, String>,
) -> Value {
    let submodule = p.get("submodule").map_or("", String::as_str);
    let Some(board) = p.get("page").filter(|t| !t.is_empty()).cloned() else {
        return error("missingparam", "The \"page\" parameter must be set.");
    };
    let is_board = wiki
        .pages
        .get(&board)
        .map(|page| page.content_model == "flow-board");
    match submodule {
        "new-topic" => {
            if let Some(refused) = refuse_bad_token(wiki, session_id, p) {
                return refused;
            }
            let Some(user) = user else {
                return error("permissiondenied", "You do not have permission to post.");
            };
            if is_board == Some(false) {
                return error(
                    "invalid-page",
                    &format!("The page \"{board}\" is not a Flow board."),
                );
            }
            if is_board.is_none() {
                // A new topic on a missing page creates the board.
                wiki.save(&user, &board, "", false);
                if let Some(page) = wiki.pages.get_mut(&board) {
                    page.content_model = "flow-board".into();
                }
            }
            let mut uuid = || format!("{:016x}", wiki.random()).replace('0', "z");
            let (topic_id, post_id, post_revision_id, topic_revision_id) =
                (uuid(), uuid(), uuid(), uuid());
            let topic = Topic {
                board: board.clone(),
                title: p.get("nttopic").cloned().unwrap_or_default(),
                content: p.get("ntcontent").cloned().unwrap_or_default(),
                user,
                post_revision_id: post_revision_id.clone(),
                topic_page: format!("Topic:{topic_id}"),
            };
            wiki.topics.push(topic);
            json!({ "flow": { "new-topic": {
                "status": "ok",
                "workflow": topic_id,
                "committed": { "topiclist": {
                    "topic-page": format!("Topic:{topic_id}"),
                    "topic-id": topic_id,
                    "topic-revision-id": topic_revision_id,
                    "post-id": post_id,
                    "post-revision-id": post_revision_id,
                }},
            }}})
        }
        "view-topiclist" if is_board == Some(true) => {
            let limit: usize = p.get("vtllimit").and_then(|n| n.parse().ok()).unwrap_or(10);
            let format = p.get("vtlformat").map_or("fixed-html", String::as_str);
            let mut roots = Vec::new();
            let mut posts = serde_json::Map::new();
            let mut revisions = serde_json::Map::new();
            let newest_first = wiki.topics.iter().rev().filter(|t| t.board == board);
            for (n, topic) in newest_first.take(limit).enumerate() {
                let topic_id = topic.topic_page.trim_start_matches("Topic:").to_owned();
                let root_revision = format!("{topic_id}r{n}");
                let post_id = format!("{topic_id}p{n}");
                roots.push(json!(topic_id));
                posts.insert(topic_id.clone(), json!([root_revision]));
                posts.insert(post_id.clone(), json!([topic.post_revision_id]));
                revisions.insert(
                    root_revision,
                    json!({ "content": { "content": topic.title, "format": "plaintext" },
                            "replies": [post_id] }),
                );
                revisions.insert(
                    topic.post_revision_id.clone(),
                    json!({ "content": { "content": topic.content, "format": format },
                            "creator": { "name": topic.user } }),
                );
            }
            json!({ "flow": { "view-topiclist": { "result": { "topiclist": {
                "roots": roots, "posts": posts, "revisions": revisions, "type": "topiclist",
            }}, "status": "ok" }}})
        }
        "view-header" if is_board == Some(true) => {
            let revision = match wiki.headers.get(&board) {
                Some(text) => json!({ "content": { "content": text, "format": "wikitext" } }),
                None => json!([]),
            };
            json!({ "flow": { "view-header": { "result": { "header": {
                "type": "header", "revision": revision,
            }}, "status": "ok" }}})
        }
        "view-topiclist" | "view-header" => error(
            "invalid-page",
            &format!("The page \"{board}\" is not a Flow board."),
        ),
        other => error(
            "badvalue",
            &format!("Unrecognized value for parameter \"submodule\": {other}."),
        ),
    }
}

fn query(wiki: &mut Wiki, session_id: &str, p: &HashMap<String, String>) -> Value {
    let mut answer = json!({ "batchcomplete": true });
    if p.get("curtimestamp").is_some() {
        answer["curtimestamp"] = json!(wiki.now().to_string());
    }
    if p.get("meta").map(String::as_str) == Some("tokens") {
        let kind = p.get("type").map_or("csrf", String::as_str);
        let token = format!("{:016x}+\\", wiki.random());
        wiki.handed_out
            .push(token.trim_end_matches("+\\").to_owned());
        let session = wiki.sessions.entry(session_id.to_owned()).or_default();
        let tokens = match kind {
            "login" => {
                session.login_token = Some(token.clone());
                json!({ "logintoken": token })
            }
            _ => {
                let csrf = match (&session.user, &session.csrf) {
                    (None, _) => "+\\".to_owned(),
                    (Some(_), Some(existing)) => existing.clone(),
                    (Some(_), None) => {
                        session.csrf = Some(token.clone());
                        token
                    }
                };
                // The fake's watch token is its csrf token; the real wiki's differ.
                if kind == "watch" {
                    json!({ "watchtoken": csrf })
                } else {
                    json!({ "csrftoken": csrf })
                }
            }
        };
        answer["query"] = json!({ "tokens": tokens });
        return answer;
    }
    if p.get("meta").map(String::as_str) == Some("userinfo") {
        let user = wiki.sessions.get(session_id).and_then(|s| s.user.clone());
        answer["query"] = match user {
            Some(name) => json!({ "userinfo": { "id": wiki.user(&name), "name": name } }),
            None => json!({ "userinfo": { "id": 0, "name": "127.0.0.1", "anon": true } }),
        };
        return answer;
    }
    if p.get("meta").map(String::as_str) == Some("siteinfo") {
        let mut extensions = vec![json!({ "type": "parserhook", "name": "ParserFunctions" })];
        if wiki.flow {
            extensions.push(json!({ "type": "other", "name": "Flow" }));
        }
        answer["query"] = json!({ "extensions": extensions });
        return answer;
    }
    if p.get("list").map(String::as_str) == Some("categorymembers") {
        return category_members(wiki, p, answer);
    }
    if p.get("list").map(String::as_str) == Some("watchlist") {
        let user = wiki.sessions.get(session_id).and_then(|s| s.user.clone());
        return watchlist(wiki, user, p, answer);
    }
    if p.get("list").map(String::as_str) == Some("users") {
        let users: Vec<Value> = p
            .get("ususers")
            .map_or("", String::as_str)
            .split('|')
            .map(|name| match wiki.users.get(name) {
                None => json!({ "name": name, "missing": true }),
                Some(id) if wiki.blocked.contains(name) => json!({
                    "userid": id, "name": name, "blockid": 1000 + id, "blockedby": "Admin",
                    "blockedbyid": 1, "blockreason": "test", "blockexpiry": "infinite",
                    "blockpartial": false,
                }),
                Some(id) => json!({ "userid": id, "name": name }),
            })
            .collect();
        answer["query"] = json!({ "users": users });
        return answer;
    }
    if let Some(props) = p.get("prop") {
        let user = wiki.sessions.get(session_id).and_then(|s| s.user.clone());
        let mut answer = pages(wiki, props, p, answer);
        // prop=info&inprop=watched: whether the session's user watches each page.
        if p.get("inprop")
            .is_some_and(|i| i.split('|').any(|i| i == "watched"))
        {
            for page in answer["query"]["pages"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                let title = page["title"].as_str().unwrap_or("").to_owned();
                let watched = user
                    .as_ref()
                    .is_some_and(|u| wiki.watched.contains(&(u.clone(), title)));
                page["watched"] = json!(watched);
            }
        }
        return answer;
    }
    answer
}

/// `list=watchlist&wltype=categorize`, oldest first from `wlstart` (`wldir=newer`).
fn watchlist(
    wiki: &Wiki,
    user: Option<String>,
    p: &HashMap<String, String>,
    mut answer: Value,
) -> Value {
    let Some(user) = user else {
        return error("notloggedin", "Please log in to view your watchlist.");
    };
    let start = p.get("wlstart").and_then(|t| Timestamp::parse(t).ok());
    let changes: Vec<Value> = wiki
        .category_changes
        .iter()
        .filter(|(category, ..)| wiki.watched.contains(&(user.clone(), category.clone())))
        .filter(|(.., t)| start.is_none_or(|s| *t >= s))
        .map(|(category, pageid, revid, t)| {
            json!({
                "type": "categorize", "ns": 14, "title": category, "pageid": pageid,
                "revid": revid, "old_revid": 0, "timestamp": t.to_string(),
            })
        })
        .collect();
    answer["query"] = json!({ "watchlist": changes });
    answer
}

/// `action=watch`: adds `titles` to the user's watchlist.
fn watch(
    wiki: &mut Wiki,
    session_id: &str,
    user: Option<String>,
    p: &HashMap<String, String>,
) -> Value {
    if let Some(refused) = refuse_bad_token(wiki, session_id, p) {
        return refused;
    }
    let Some(user) = user else {
        return error("notloggedin", "Please log in to edit your watchlist.");
    };
    let mut watched = Vec::new();
    for title in p.get("titles").map_or("", String::as_str).split('|') {
        wiki.watched.insert((user.clone(), title.to_owned()));
        watched.push(json!({ "title": title, "ns": ns_of(title), "watched": true }));
    }
    json!({ "batchcomplete": true, "watch": watched })
}

/// A listing's `…limit` parameter: 10 by default, `max` is 500 (a normal account's limit).
fn list_limit(p: &HashMap<String, String>, key: &str) -> usize {
    match p.get(key).map(String::as_str) {
        None => 10,
        Some("max") => 500,
        Some(n) => n.parse().unwrap_or(10),
    }
}

fn category_members(wiki: &Wiki, p: &HashMap<String, String>, mut answer: Value) -> Value {
    let category = p.get("cmtitle").cloned().unwrap_or_default();
    let mut members: Vec<(u64, Timestamp)> =
        wiki.categories.get(&category).cloned().unwrap_or_default();
    members.sort_by_key(|(id, t)| (*t, *id));
    let older = p.get("cmdir").map(String::as_str) == Some("older");
    if older {
        members.reverse();
    }
    let bound = |key: &str| p.get(key).and_then(|t| Timestamp::parse(t).ok());
    // cmstart is where listing starts and cmend where it stops, in the listing's direction.
    let (start, end) = (bound("cmstart"), bound("cmend"));
    members.retain(|(_, t)| {
        let after_start = start.is_none_or(|s| if older { *t <= s } else { *t >= s });
        let before_end = end.is_none_or(|e| if older { *t >= e } else { *t <= e });
        after_start && before_end
    });
    let limit = list_limit(p, "cmlimit");
    let offset: usize = p
        .get("cmcontinue")
        .and_then(|c| c.strip_prefix("page|"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = members
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|(id, t)| {
            let title = wiki.titles.get(id)?;
            Some(json!({ "pageid": id, "ns": ns_of(title), "title": title, "timestamp": t.to_string() }))
        })
        .collect();
    if offset + limit < members.len() {
        answer["continue"] =
            json!({ "cmcontinue": format!("page|{}", offset + limit), "continue": "-||" });
        answer.as_object_mut().map(|o| o.remove("batchcomplete"));
    }
    answer["query"] = json!({ "categorymembers": page });
    answer
}

fn pages(wiki: &Wiki, props: &str, p: &HashMap<String, String>, mut answer: Value) -> Value {
    let props: Vec<&str> = props.split('|').collect();
    let mut wanted: Vec<Result<&Page, Value>> = Vec::new();
    if let Some(ids) = p.get("pageids") {
        for id in ids.split('|') {
            let found = id
                .parse::<u64>()
                .ok()
                .and_then(|n| wiki.titles.get(&n))
                .and_then(|t| wiki.pages.get(t));
            wanted.push(found.ok_or_else(
                || json!({ "pageid": id.parse::<u64>().unwrap_or(0), "missing": true }),
            ));
        }
    }
    if let Some(titles) = p.get("titles") {
        for title in titles.split('|') {
            wanted.push(wiki.pages.get(title).ok_or_else(|| {
                json!({ "ns": ns_of(title), "title": title, "missing": true, "contentmodel": "wikitext" })
            }));
        }
    }
    let rvprop: Vec<&str> = p
        .get("rvprop")
        .map_or("ids|timestamp|flags|comment|user", String::as_str)
        .split('|')
        .collect();
    // prop=categories lists at most `cllimit` links over all the pages (default 10), then
    // continues from the next one; a continued request gives only the unfinished module, as
    // MediaWiki skips the modules that already completed.
    let mut cl_left = list_limit(p, "cllimit");
    let cl_from: Option<(u64, String)> = p.get("clcontinue").and_then(|c| {
        let (id, name) = c.split_once('|')?;
        Some((id.parse().ok()?, name.to_owned()))
    });
    let mut cl_resumed = false;
    let mut cl_next: Option<String> = None;
    let props: Vec<&str> = if cl_from.is_some() {
        props.into_iter().filter(|p| *p == "categories").collect()
    } else {
        props
    };
    let mut out = Vec::new();
    for page in wanted {
        let page = match page {
            Ok(page) => page,
            Err(missing) => {
                out.push(missing);
                continue;
            }
        };
        let mut v = json!({ "pageid": page.pageid, "ns": ns_of(&page.title), "title": page.title });
        if props.contains(&"info") {
            v["contentmodel"] = json!(page.content_model);
            v["pagelanguage"] = json!("en");
            v["lastrevid"] = json!(page.revisions.last().map_or(0, |r| r.revid));
            v["length"] = json!(page.revisions.last().map_or(0, |r| r.text.len()));
        }
        if props.contains(&"categories") {
            let wanted: Vec<&str> = p
                .get("clcategories")
                .map_or(Vec::new(), |c| c.split('|').collect());
            let mut categories = Vec::new();
            let links = wiki.memberships.get(&page.pageid).into_iter().flatten();
            for (name, added) in links {
                if !wanted.is_empty() && !wanted.contains(&name.as_str()) {
                    continue;
                }
                let here = (page.pageid, name.as_str());
                if let Some(from) = &cl_from
                    && !cl_resumed
                {
                    // Continuing: skip what the earlier answers gave.
                    cl_resumed = (from.0, from.1.as_str()) == here;
                    if !cl_resumed {
                        continue;
                    }
                }
                if cl_left == 0 {
                    cl_next.get_or_insert_with(|| format!("{}|{}", page.pageid, name));
                    continue;
                }
                cl_left -= 1;
                categories.push(json!({ "ns": 14, "title": name, "timestamp": added.to_string() }));
            }
            if !categories.is_empty() {
                v["categories"] = json!(categories);
            }
        }
        if props.contains(&"revisions") {
            let list_mode =
                p.contains_key("rvlimit") || p.contains_key("rvuser") || p.contains_key("rvdir");
            let mut revisions: Vec<&Revision> = page.revisions.iter().collect();
            if let Some(user) = p.get("rvuser") {
                revisions.retain(|r| &r.user == user);
            }
            let newer = p.get("rvdir").map(String::as_str) == Some("newer");
            if !newer {
                revisions.reverse();
            }
            if let Some(from) = p.get("rvcontinue").and_then(|c| c.parse::<u64>().ok()) {
                revisions.retain(|r| {
                    if newer {
                        r.revid >= from
                    } else {
                        r.revid <= from
                    }
                });
            }
            let limit = if list_mode {
                p.get("rvlimit").and_then(|n| n.parse().ok()).unwrap_or(1)
            } else {
                1
            };
            if revisions.len() > limit {
                answer["continue"] =
                    json!({ "rvcontinue": revisions[limit].revid.to_string(), "continue": "||" });
                answer.as_object_mut().map(|o| o.remove("batchcomplete"));
            }
            let shown: Vec<Value> = revisions
                .iter()
                .take(limit)
                .map(|r| {
                    let mut rv = json!({});
                    for prop in &rvprop {
                        match *prop {
                            "ids" => {
                                rv["revid"] = json!(r.revid);
                            }
                            "timestamp" => rv["timestamp"] = json!(r.timestamp.to_string()),
                            "user" => rv["user"] = json!(r.user),
                            "userid" => rv["userid"] = json!(r.userid),
                            "content" => {
                                rv["slots"] = json!({ "main": {
                                    "contentmodel": page.content_model,
                                    "contentformat": "text/x-wiki",
                                    "content": r.text,
                                }});
                            }
                            _ => {}
                        }
                    }
                    rv
                })
                .collect();
            v["revisions"] = json!(shown);
        }
        out.push(v);
    }
    if let Some(next) = cl_next {
        answer["continue"] = json!({ "clcontinue": next, "continue": "||" });
        answer.as_object_mut().map(|o| o.remove("batchcomplete"));
    }
    answer["query"] = json!({ "pages": out });
    answer
}
