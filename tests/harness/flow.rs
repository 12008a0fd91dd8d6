//! Flow boards on the sandbox wiki, made and read as their owners do: through the API, logged in
//! as the person (Flow has no maintenance script that starts a board).

use serde_json::Value;

use crate::sandbox::{TEST_USER_PASSWORD, Wiki};

/// A topic on a board, as `view-topiclist` shows it.
#[derive(Debug, Clone)]
pub struct FlowTopic {
    pub title: String,
    /// Who started it.
    pub creator: String,
    /// The wikitext of its first post, as Flow stored it (signature expanded).
    pub content: String,
    /// The first post's revision id: what the `postid` column holds for a greeting.
    pub post_revision_id: String,
}

/// A person logged in to the sandbox wiki's API.
pub struct FlowSession {
    http: reqwest::Client,
    api: String,
}

impl Wiki {
    /// A session of `user`, an account made by [`Wiki::create_user`].
    pub async fn session(&self, user: &str) -> FlowSession {
        let (session, token) = FlowSession::logging_in(&self.api).await;
        let answer = session
            .post_form(&[
                ("action", "clientlogin"),
                ("username", user),
                ("password", TEST_USER_PASSWORD),
                ("logintoken", &token),
                ("loginreturnurl", "http://127.0.0.1/"),
            ])
            .await;
        assert_eq!(answer["clientlogin"]["status"], "PASS", "{user}: {answer}");
        session
    }

    /// `board`'s topics, newest first (empty when the page is not a board yet).
    pub async fn flow_topics(&self, board: &str) -> Vec<FlowTopic> {
        let answer: Value = self
            .http
            .get(&self.api)
            .query(&[
                ("action", "flow"),
                ("submodule", "view-topiclist"),
                ("page", board),
                ("vtlformat", "wikitext"),
                ("vtllimit", "100"),
                ("format", "json"),
                ("formatversion", "2"),
            ])
            .send()
            .await
            .expect("the wiki answers")
            .json()
            .await
            .expect("a JSON answer");
        let list = &answer["flow"]["view-topiclist"]["result"]["topiclist"];
        let revisions = &list["revisions"];
        let mut topics = Vec::new();
        for root in list["roots"].as_array().into_iter().flatten() {
            let root = root.as_str().unwrap_or_default();
            let title_revision = &list["posts"][root][0];
            let title = &revisions[title_revision.as_str().unwrap_or_default()];
            let first_post = title["replies"][0].as_str().unwrap_or_default();
            let post_revision = list["posts"][first_post][0].as_str().unwrap_or_default();
            let post = &revisions[post_revision];
            topics.push(FlowTopic {
                title: text(&title["content"]["content"]),
                creator: text(&post["creator"]["name"]),
                content: text(&post["content"]["content"]),
                post_revision_id: post_revision.to_owned(),
            });
        }
        topics
    }

    /// A page's content model (`wikitext`, `flow-board`), `None` when it does not exist.
    pub async fn content_model(&self, title: &str) -> Option<String> {
        let answer = self
            .query(&[("prop", "info"), ("titles", title)])
            .await
            .expect("the wiki answers");
        let page = &answer["query"]["pages"][0];
        if page["missing"] == true {
            return None;
        }
        page["contentmodel"].as_str().map(str::to_owned)
    }
}

impl FlowSession {
    /// A session of the bot `login` (`Bot@appid`, a BotPassword) on the wiki whose API is `api`:
    /// the sandbox's or a fake wiki's.
    pub async fn bot(api: &str, login: &str, password: &str) -> FlowSession {
        let (session, token) = FlowSession::logging_in(api).await;
        let answer = session
            .post_form(&[
                ("action", "login"),
                ("lgname", login),
                ("lgpassword", password),
                ("lgtoken", &token),
            ])
            .await;
        assert_eq!(answer["login"]["result"], "Success", "{login}: {answer}");
        session
    }

    /// A session on the wiki whose API is `api`, not logged in yet, and its login token.
    async fn logging_in(api: &str) -> (FlowSession, String) {
        let session = FlowSession {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .expect("an HTTP client"),
            api: api.to_owned(),
        };
        let tokens = session
            .read(&[("action", "query"), ("meta", "tokens"), ("type", "login")])
            .await;
        let token = tokens["query"]["tokens"]["logintoken"]
            .as_str()
            .expect("a login token")
            .to_owned();
        (session, token)
    }

    /// Starts a topic on `board`, which makes the page a board when it does not exist.
    pub async fn new_topic(&self, board: &str, topic: &str, wikitext: &str) {
        let answer = self
            .write(&[
                ("action", "flow"),
                ("submodule", "new-topic"),
                ("page", board),
                ("nttopic", topic),
                ("ntcontent", wikitext),
                ("ntformat", "wikitext"),
            ])
            .await;
        assert_eq!(answer["flow"]["new-topic"]["status"], "ok", "{answer}");
    }

    /// Sets the header of `board` (a board with no header yet).
    pub async fn set_header(&self, board: &str, wikitext: &str) {
        let answer = self
            .write(&[
                ("action", "flow"),
                ("submodule", "edit-header"),
                ("page", board),
                ("ehprev_revision", ""),
                ("ehcontent", wikitext),
                ("ehformat", "wikitext"),
            ])
            .await;
        assert_eq!(answer["flow"]["edit-header"]["status"], "ok", "{answer}");
    }

    /// A write with the session's edit token; the answer as it came.
    pub async fn write(&self, params: &[(&str, &str)]) -> Value {
        let tokens = self.read(&[("action", "query"), ("meta", "tokens")]).await;
        let token = tokens["query"]["tokens"]["csrftoken"]
            .as_str()
            .expect("an edit token")
            .to_owned();
        let mut all = params.to_vec();
        all.push(("token", &token));
        self.post_form(&all).await
    }

    /// A read; the answer as it came.
    pub async fn read(&self, params: &[(&str, &str)]) -> Value {
        self.http
            .get(&self.api)
            .query(params)
            .query(&[("format", "json"), ("formatversion", "2")])
            .send()
            .await
            .expect("the wiki answers")
            .json()
            .await
            .expect("a JSON answer")
    }

    async fn post_form(&self, params: &[(&str, &str)]) -> Value {
        self.http
            .post(&self.api)
            .query(&[("format", "json"), ("formatversion", "2")])
            .form(params)
            .send()
            .await
            .expect("the wiki answers")
            .json()
            .await
            .expect("a JSON answer")
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}
