//! The in-memory wiki behind the fake: accounts, pages and their revisions, category links,
//! sessions, and the clock, ids and randomness that make a run reproducible.

use std::collections::{BTreeMap, HashMap, VecDeque};

use matchbot_model::Timestamp;

use super::{Clock, Edit, Fault, Request, Topic};

#[derive(Debug, Clone)]
pub(super) struct Revision {
    pub(super) revid: u64,
    pub(super) user: String,
    pub(super) userid: u64,
    pub(super) timestamp: Timestamp,
    pub(super) text: String,
}

#[derive(Debug, Clone)]
pub(super) struct Page {
    pub(super) pageid: u64,
    pub(super) title: String,
    pub(super) content_model: String,
    pub(super) revisions: Vec<Revision>,
}

#[derive(Debug, Default)]
pub(super) struct Session {
    pub(super) login_token: Option<String>,
    pub(super) user: Option<String>,
    pub(super) csrf: Option<String>,
}

pub(super) struct Wiki {
    pub(super) clock: Clock,
    next_id: u64,
    pub(super) users: BTreeMap<String, u64>,
    /// BotPassword logins: `Name@app` → password.
    pub(super) bot_passwords: BTreeMap<String, String>,
    pub(super) pages: BTreeMap<String, Page>,
    pub(super) titles: HashMap<u64, String>,
    /// Category → (page id, when it was added), in the order added.
    pub(super) categories: BTreeMap<String, Vec<(u64, Timestamp)>>,
    /// The same links by page: page id → category → when it was added.
    pub(super) memberships: HashMap<u64, BTreeMap<String, Timestamp>>,
    /// Every page added to or removed from a category: (category, page id, revision, time).
    pub(super) category_changes: Vec<(String, u64, u64, Timestamp)>,
    /// (user, title) of every watched page.
    pub(super) watched: std::collections::BTreeSet<(String, String)>,
    /// Accounts blocked from editing the whole wiki.
    pub(super) blocked: std::collections::BTreeSet<String>,
    pub(super) sessions: HashMap<String, Session>,
    pub(super) edits: Vec<Edit>,
    pub(super) requests: BTreeMap<String, usize>,
    pub(super) faults: VecDeque<Fault>,
    /// Faults to queue when the request counted under a kind reaches a number (see
    /// [`super::FakeWiki::fail_at`]).
    pub(super) faults_at: Vec<(String, usize, Vec<Fault>)>,
    /// Faults for the coming `action=edit` requests only, in order.
    pub(super) edit_faults: VecDeque<Fault>,
    /// Of every 1000 requests, how many get a random 503 (half of the edits among them saved).
    pub(super) flaky_per_mille: u64,
    rng: u64,
    pub(super) unavailable: usize,
    pub(super) saved_then_unavailable: usize,
    pub(super) log: Vec<Request>,
    /// When false, requests are counted but not kept in `log` (a benchmark's millions).
    pub(super) keep_log: bool,
    /// OAuth 2 access tokens → account.
    pub(super) oauth_tokens: BTreeMap<String, String>,
    /// Every token and session id handed out, for tests that look for leaks.
    pub(super) handed_out: Vec<String>,
    pub(super) protected: Vec<String>,
    pub(super) flow: bool,
    pub(super) topics: Vec<Topic>,
    pub(super) headers: BTreeMap<String, String>,
}

impl Wiki {
    pub(super) fn new(clock: Clock) -> Wiki {
        Wiki {
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
            faults_at: Vec::new(),
            edit_faults: VecDeque::new(),
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
        }
    }

    fn id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The page id and latest revision of the existing page `title`.
    pub(super) fn page_ids(&self, title: &str) -> (u64, u64) {
        let page = self.pages.get(title);
        let page = page.unwrap_or_else(|| panic!("{title} does not exist on the fake wiki"));
        (page.pageid, page.revisions.last().map_or(0, |r| r.revid))
    }

    pub(super) fn now(&self) -> Timestamp {
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

    pub(super) fn user(&mut self, name: &str) -> u64 {
        if let Some(id) = self.users.get(name) {
            return *id;
        }
        let id = self.id();
        self.users.insert(name.to_owned(), id);
        id
    }

    /// Saves a revision; `append` adds `text` to the current text. Returns (page id, revision).
    pub(super) fn save(
        &mut self,
        user: &str,
        title: &str,
        text: &str,
        append: bool,
    ) -> (u64, Revision) {
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

    pub(super) fn random(&mut self) -> u64 {
        // xorshift64: reproducible, and enough to scatter faults.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
}
