//! Flow (Structured Discussions) boards: a talk page whose content model is `flow-board` takes
//! no wikitext; a message there is a new topic, made with `action=flow&submodule=new-topic`.

use serde_json::Value;

use crate::exclusion::Allowed;
use crate::{Client, Error};

/// A topic posted on a Flow board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowPost {
    /// The revision id of the topic's first post (a Flow UUID, in alphadecimal): what the
    /// original MatchBot stored as `postid`.
    pub post_revision_id: String,
    /// The topic's own page (`Topic:…`).
    pub topic_page: String,
}

impl Client {
    /// Whether the wiki runs Flow, from its list of extensions; asked once per client.
    pub async fn has_flow(&self) -> Result<bool, Error> {
        self.inner
            .flow
            .get_or_try_init(|| async {
                let answer = self
                    .get(&[
                        ("action", "query"),
                        ("meta", "siteinfo"),
                        ("siprop", "extensions"),
                    ])
                    .await?;
                let found = answer["query"]["extensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["name"].as_str())
                    .any(|name| name == "Flow" || name == "StructuredDiscussions");
                Ok(found)
            })
            .await
            .copied()
    }

    /// The wikitext of a board's header (empty when it has none): where `{{nobots}}` goes on a
    /// Flow board.
    pub async fn flow_header(&self, board: &str) -> Result<String, Error> {
        let answer = self
            .get(&[
                ("action", "flow"),
                ("submodule", "view-header"),
                ("page", board),
                ("vhformat", "wikitext"),
            ])
            .await?;
        let header = &answer["flow"]["view-header"]["result"]["header"];
        Ok(header["revision"]["content"]["content"]
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    /// The post revision id of a post by `author` among the board's newest 100 topics whose
    /// wikitext contains `needle`: how a greeting posted before a crash is found again. Anyone
    /// can write the needle on a board; only the author's own post counts.
    pub async fn flow_post_containing(
        &self,
        board: &str,
        author: &str,
        needle: &str,
    ) -> Result<Option<String>, Error> {
        let answer = self
            .get(&[
                ("action", "flow"),
                ("submodule", "view-topiclist"),
                ("page", board),
                ("vtlsortby", "newest"),
                ("vtllimit", "100"),
                ("vtlformat", "wikitext"),
            ])
            .await?;
        let topics = &answer["flow"]["view-topiclist"]["result"]["topiclist"];
        let found = topics["revisions"]
            .as_object()
            .into_iter()
            .flatten()
            .find(|(_, revision)| {
                revision["creator"]["name"] == author
                    && revision["content"]["content"]
                        .as_str()
                        .is_some_and(|text| text.contains(needle))
            })
            .map(|(id, _)| id.clone());
        Ok(found)
    }

    /// Starts a topic on the Flow board `board` (creating the board when the page is missing
    /// and the account may). `content` is wikitext; Flow signs posts itself. The edit waits for
    /// the kill switch, the edit interval and the budget, like every edit. `allowed` is the
    /// board's `{{bots}}` verdict, from its header.
    pub async fn new_flow_topic(
        &self,
        board: &str,
        topic: &str,
        content: &str,
        allowed: &Allowed,
    ) -> Result<FlowPost, Error> {
        allowed.covers(board)?;
        let posted = self.post_flow_topic(board, topic, content).await;
        self.settle(board, posted)
    }

    async fn post_flow_topic(
        &self,
        board: &str,
        topic: &str,
        content: &str,
    ) -> Result<FlowPost, Error> {
        let answer = self
            .gated_edit(&[
                ("action", "flow"),
                ("submodule", "new-topic"),
                ("page", board),
                ("nttopic", topic),
                ("ntcontent", content),
                ("ntformat", "wikitext"),
            ])
            .await?;
        let committed = &answer["flow"]["new-topic"]["committed"]["topiclist"];
        let text = |key: &str| committed[key].as_str().map(str::to_owned);
        match (text("post-revision-id"), text("topic-page")) {
            (Some(post_revision_id), Some(topic_page)) => Ok(FlowPost {
                post_revision_id,
                topic_page,
            }),
            _ => Err(Error::Decode(format!(
                "the new topic on {board} came back without its ids: {}",
                short(&answer)
            ))),
        }
    }
}

fn short(value: &Value) -> String {
    value.to_string().chars().take(300).collect()
}
