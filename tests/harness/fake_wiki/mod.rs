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
//!
//! # Layout
//!
//! The files mirror the real client, `crates/wiki/src/`: a request is answered in the file named
//! like the client module that sends it.
//!
//! - `state`: the in-memory wiki: accounts, pages and revisions, category links, sessions, the
//!   clock, ids and randomness.
//! - `server`: the HTTP handler: parameters, session cookies, faults, the dispatch by action and
//!   query module, and the answers' shared parts (errors, namespaces).
//! - `login`: `action=login`, `meta=tokens`, `meta=userinfo`, OAuth 2 bearer tokens,
//!   `assert`/`assertuser`, and `badtoken` for writes.
//! - `categories`: `list=categorymembers` and `prop=categories`.
//! - `watchlist`: `list=watchlist`, `action=watch` and `prop=info&inprop=watched`.
//! - `users`: `list=users`, with blocks.
//! - `pages`: `prop=info|revisions`: text, content model, creators, earlier revisions.
//! - `edit`: `action=edit`.
//! - `flow`: `action=flow` and `meta=siteinfo` (whether Flow is installed).

mod categories;
mod edit;
mod flow;
mod login;
mod pages;
mod server;
mod state;
mod users;
mod watchlist;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use matchbot_model::Timestamp;

use state::Wiki;

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
    /// Answer an edit as ConfirmEdit does when it wants a captcha solved: `result: Failure`
    /// with the captcha, nothing saved.
    Captcha,
    /// Refuse an edit with an error code MatchBot does not know (an abuse filter's), nothing
    /// saved.
    UnknownCode,
    /// Answer HTTP 200 with an HTML page (a proxy's, a captive portal's), doing nothing.
    NotJson,
    /// Answer HTTP 503 at once, and save the edit a second later: a wiki still saving the
    /// edit when its front end gave up.
    SavedLater,
    /// Answer HTTP 503 with `Retry-After: 86400`, as an overloaded proxy might.
    UnavailableForADay,
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
    /// When the fake received it, to the nanosecond (the revision's `timestamp` is whole
    /// seconds, as MediaWiki's are).
    pub received: std::time::Instant,
    /// When it was saved.
    pub timestamp: Timestamp,
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
        let wiki = Arc::new(Mutex::new(Wiki::new(clock)));
        let (addr, server) = server::serve(wiki.clone()).await;
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

    /// Moves a stepped clock to `now` (a test's month passing); the next revision is a second
    /// later.
    pub fn set_time(&self, now: Timestamp) {
        self.lock().clock = Clock::Stepped(now);
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

    /// Makes requests go wrong, in order, from the `nth` request of kind `what` on (kinds as
    /// [`FakeWiki::requests`] counts them): to fail a job midway.
    pub fn fail_at(&self, what: &str, nth: usize, faults: &[Fault]) {
        self.lock()
            .faults_at
            .push((what.to_owned(), nth, faults.to_vec()));
    }

    /// Makes the next edits (`action=edit` only) go wrong, in order.
    pub fn fail_next_edits(&self, faults: &[Fault]) {
        self.lock().edit_faults.extend(faults.iter().copied());
    }

    /// From now on, `per_mille` of every 1000 requests fail with HTTP 503 (half of the failed
    /// edits are saved before the 503).
    pub fn set_flaky(&self, per_mille: u64) {
        self.lock().flaky_per_mille = per_mille;
    }
}
