//! The sandbox's real MediaWiki (`scripts/sandbox`), read and edited the way a person would:
//! through its API and its maintenance scripts.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

/// One of the sandbox's wikis: the environment variables naming its port and its directory,
/// and their defaults (see `scripts/sandbox`).
struct Sandbox {
    port_var: &'static str,
    port: &'static str,
    dir_var: &'static str,
    dir: &'static str,
}

/// The first wiki, which most tests use.
const FIRST: Sandbox = Sandbox {
    port_var: "MATCHBOT_WIKI_PORT",
    port: "8181",
    dir_var: "MATCHBOT_SANDBOX",
    dir: "/var/tmp/matchbot-sandbox",
};

/// The second wiki, another programme's, seeded like the first.
const SECOND: Sandbox = Sandbox {
    port_var: "MATCHBOT_WIKI2_PORT",
    port: "8182",
    dir_var: "MATCHBOT_SANDBOX2",
    dir: "/var/tmp/matchbot-sandbox2",
};

impl Sandbox {
    /// Its `login.site` in a configuration.
    fn site(&self) -> String {
        let port = std::env::var(self.port_var).unwrap_or_else(|_| self.port.into());
        format!("127.0.0.1:{port}")
    }

    fn api_url(&self) -> String {
        format!("http://{}/api.php", self.site())
    }

    fn wiki_dir(&self) -> PathBuf {
        let sandbox = std::env::var(self.dir_var).unwrap_or_else(|_| self.dir.into());
        Path::new(&sandbox).join("wiki")
    }
}

/// The sandbox wiki's API (see `scripts/sandbox`).
pub fn api_url() -> String {
    FIRST.api_url()
}

/// Where the sandbox wiki is installed.
pub fn wiki_dir() -> PathBuf {
    FIRST.wiki_dir()
}

/// The sandbox wiki as a configuration's `login.site` (`127.0.0.1:8181`).
pub fn site() -> String {
    FIRST.site()
}

/// The second sandbox wiki's API.
pub fn second_api_url() -> String {
    SECOND.api_url()
}

/// Where the second sandbox wiki is installed.
pub fn second_wiki_dir() -> PathBuf {
    SECOND.wiki_dir()
}

/// The second sandbox wiki as a configuration's `login.site` (`127.0.0.1:8182`): where a test
/// points a second programme.
pub fn second_site() -> String {
    SECOND.site()
}

/// The password of accounts a test makes with [`Wiki::create_user`].
pub const TEST_USER_PASSWORD: &str = "Test-User-Passw0rd!";

/// The wiki's tests talk to; serialises use of the single-threaded `php -S` between tests.
pub static WIKI: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The same for the second wiki, a `php -S` of its own. A test using both takes [`WIKI`] first.
pub static WIKI2: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Reading one of the sandbox's wikis the way a person checks it: through its API; and editing
/// it with its maintenance scripts, in its own directory.
#[derive(Clone)]
pub struct Wiki {
    pub(crate) http: reqwest::Client,
    pub(crate) api: String,
    dir: PathBuf,
}

impl Wiki {
    /// The sandbox wiki; panics with instructions when it is not running.
    pub async fn sandbox() -> Wiki {
        Wiki::answering(&FIRST).await
    }

    /// The second sandbox wiki (another programme's); panics when it is not running.
    pub async fn second_sandbox() -> Wiki {
        Wiki::answering(&SECOND).await
    }

    async fn answering(sandbox: &Sandbox) -> Wiki {
        let wiki = Wiki {
            http: reqwest::Client::new(),
            api: sandbox.api_url(),
            dir: sandbox.wiki_dir(),
        };
        let up = wiki
            .query(&[("meta", "siteinfo")])
            .await
            .is_ok_and(|v| v["query"]["general"]["sitename"].is_string());
        assert!(
            up,
            "the sandbox wiki does not answer at {}: run scripts/sandbox up",
            wiki.api
        );
        wiki
    }

    /// This wiki as a configuration's `login.site` (`127.0.0.1:8181`).
    pub fn site(&self) -> &str {
        self.api
            .trim_start_matches("http://")
            .trim_end_matches("/api.php")
    }

    /// A query's answer (formatversion 2).
    pub async fn query(&self, params: &[(&str, &str)]) -> anyhow::Result<Value> {
        let mut all = vec![
            ("action", "query"),
            ("format", "json"),
            ("formatversion", "2"),
        ];
        all.extend_from_slice(params);
        Ok(self
            .http
            .get(&self.api)
            .query(&all)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Saves `text` as `user`, as a person would (the maintenance edit script, no API, no bot).
    pub async fn edit_as(&self, user: &str, title: &str, text: &str) {
        maintenance(
            &self.dir,
            &["edit.php", "-u", user, "-s", "test edit", title],
            text,
        )
        .await;
    }

    /// Waits until the wiki's job runner has run every queued job (category changes reach
    /// watchlists through jobs), for at most a minute.
    pub async fn wait_for_jobs(&self) {
        for _ in 0..120 {
            let out = tokio::process::Command::new("php")
                .arg("maintenance/showJobs.php")
                .current_dir(&self.dir)
                .output()
                .await
                .expect("php runs");
            if String::from_utf8_lossy(&out.stdout).trim() == "0" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!(
            "the wiki's job queue did not empty within a minute: is its job runner running (scripts/sandbox up)?"
        );
    }

    /// Creates the account `name` (a new mentor or learner of one test only).
    pub async fn create_user(&self, name: &str) {
        maintenance(
            &self.dir,
            &["createAndPromote.php", "--force", name, TEST_USER_PASSWORD],
            "",
        )
        .await;
    }

    /// Blocks `name` from editing the whole wiki, as an administrator would; without an
    /// autoblock, which would block the address the account last edited from (127.0.0.1, every
    /// test's) for a day.
    pub async fn block(&self, name: &str) {
        maintenance(
            &self.dir,
            &[
                "blockUsers.php",
                "--performer",
                "Admin",
                "--reason",
                "test",
                "--disable-autoblock",
            ],
            name,
        )
        .await;
    }

    /// Fully protects `title` (edit and move: administrators only), as an administrator would.
    pub async fn protect(&self, title: &str) {
        maintenance(
            &self.dir,
            &["protect.php", "--user", "Admin", "--reason", "test", title],
            "",
        )
        .await;
    }

    /// A page's current wikitext, `None` if it does not exist.
    pub async fn text(&self, title: &str) -> Option<String> {
        let v = self
            .query(&[
                ("prop", "revisions"),
                ("titles", title),
                ("rvprop", "content"),
                ("rvslots", "main"),
            ])
            .await
            .expect("query page text");
        v["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"]
            .as_str()
            .map(str::to_owned)
    }

    /// The text of `title` once it exists (a greeting's talk page, say), waiting for it at most
    /// `within`.
    pub async fn text_once_there(&self, title: &str, within: Duration) -> String {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(text) = self.text(title).await {
                return text;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{title} did not appear within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// A page's revisions, oldest first, as (revid, user).
    pub async fn revisions(&self, title: &str) -> Vec<(u64, String)> {
        let v = self
            .query(&[
                ("prop", "revisions"),
                ("titles", title),
                ("rvprop", "ids|user"),
                ("rvlimit", "max"),
                ("rvdir", "newer"),
            ])
            .await
            .expect("query revisions");
        v["query"]["pages"][0]["revisions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["revid"].as_u64().unwrap_or(0),
                    r["user"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// A page's id.
    pub async fn page_id(&self, title: &str) -> u64 {
        let v = self
            .query(&[("prop", "info"), ("titles", title)])
            .await
            .expect("query page id");
        v["query"]["pages"][0]["pageid"]
            .as_u64()
            .unwrap_or_else(|| panic!("{title} does not exist"))
    }

    /// A user's id.
    pub async fn user_id(&self, name: &str) -> u64 {
        let v = self
            .query(&[("list", "users"), ("ususers", name)])
            .await
            .expect("query user");
        v["query"]["users"][0]["userid"]
            .as_u64()
            .unwrap_or_else(|| panic!("user {name} does not exist"))
    }

    /// When `category` was added to `title`, as `YYYY-MM-DD HH:MM:SS`.
    pub async fn category_added(&self, title: &str, category: &str) -> String {
        let v = self
            .query(&[
                ("prop", "categories"),
                ("titles", title),
                ("clprop", "timestamp"),
                ("clcategories", category),
            ])
            .await
            .expect("query categories");
        let ts = v["query"]["pages"][0]["categories"][0]["timestamp"]
            .as_str()
            .unwrap_or_else(|| panic!("{title} is not in {category}"));
        ts.trim_end_matches('Z').replace('T', " ")
    }
}

/// Runs `php maintenance/<script>` in the wiki installed in `dir` with `stdin`, insisting it
/// succeeds.
async fn maintenance(dir: &Path, args: &[&str], stdin: &str) {
    use tokio::io::AsyncWriteExt;
    let script = format!("maintenance/{}", args[0]);
    let mut child = tokio::process::Command::new("php")
        .arg(&script)
        .args(&args[1..])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("php runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("write stdin");
    drop(input);
    let out = child.wait_with_output().await.expect("php finishes");
    assert!(
        out.status.success(),
        "{script} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
