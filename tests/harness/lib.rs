//! The test harness: a per-test corner of the sandbox wiki, its own Redis prefix and MySQL
//! database, and the real MatchBot binaries.
//!
//! Each [`Run`] gets a unique tag; its profiles live under `Wikipedia:Co-op-<tag>`, so tests
//! (and the sandbox's own Co-op under `Wikipedia:Co-op`) never see each other's learners, though
//! they share the wiki, its users and its categories. The wiki must be up (`scripts/sandbox up`);
//! a test that cannot reach it fails, it never skips.

pub mod collector;
pub mod fake_wiki;
pub mod outcomes;
pub mod process;
pub mod proxy;
pub mod services;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mysql_async::prelude::Queryable;
use serde_json::{Value, json};

/// The sandbox wiki's API (see `scripts/sandbox`).
pub fn api_url() -> String {
    let port = std::env::var("MATCHBOT_WIKI_PORT").unwrap_or_else(|_| "8181".into());
    format!("http://127.0.0.1:{port}/api.php")
}

/// Where the sandbox wiki is installed.
pub fn wiki_dir() -> PathBuf {
    let sandbox =
        std::env::var("MATCHBOT_SANDBOX").unwrap_or_else(|_| "/var/tmp/matchbot-sandbox".into());
    Path::new(&sandbox).join("wiki")
}

/// The path of a workspace binary, next to this test's own target directory.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (cargo build --workspace)",
        path.display()
    );
    path
}

/// MatchBot's BotPassword login, as `config.example.json` (and so every [`Run`]) has it.
pub const BOT_LOGIN: &str = "MatchBot@matchbot";
/// Its password.
pub const BOT_PASSWORD: &str = "abcdefghijklmnopqrstuvw012345678";

/// Gives a fake wiki MatchBot's account and its run page saying `true`, as `scripts/sandbox up`
/// does on the sandbox.
pub fn add_matchbot(wiki: &fake_wiki::FakeWiki) {
    wiki.add_bot(BOT_LOGIN, BOT_PASSWORD);
    wiki.edit("MatchBot", "User:MatchBot/Run", "true");
}

/// Sends SIGTERM to `child`, as Toolforge and Kubernetes stop a job. False when it had already
/// exited or the signal could not be sent.
pub fn sigterm(child: &tokio::process::Child) -> bool {
    child.id().is_some_and(|pid| {
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The wiki's tests talk to; serialises use of the single-threaded `php -S` between tests.
pub static WIKI: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Reading the sandbox wiki the way a person checks it: through its API.
#[derive(Clone)]
pub struct Wiki {
    http: reqwest::Client,
    api: String,
}

impl Wiki {
    /// The sandbox wiki; panics with instructions when it is not running.
    pub async fn sandbox() -> Wiki {
        let wiki = Wiki {
            http: reqwest::Client::new(),
            api: api_url(),
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
        maintenance(&["edit.php", "-u", user, "-s", "test edit", title], text).await;
    }

    /// Waits until the wiki's job runner has run every queued job (category changes reach
    /// watchlists through jobs), for at most a minute.
    pub async fn wait_for_jobs(&self) {
        for _ in 0..120 {
            let out = tokio::process::Command::new("php")
                .arg("maintenance/showJobs.php")
                .current_dir(wiki_dir())
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
            &[
                "createAndPromote.php",
                "--force",
                name,
                "Test-User-Passw0rd!",
            ],
            "",
        )
        .await;
    }

    /// Blocks `name` from editing the whole wiki, as an administrator would.
    pub async fn block(&self, name: &str) {
        maintenance(
            &["blockUsers.php", "--performer", "Admin", "--reason", "test"],
            name,
        )
        .await;
    }

    /// Fully protects `title` (edit and move: administrators only), as an administrator would.
    pub async fn protect(&self, title: &str) {
        maintenance(
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

/// Runs `php maintenance/<script>` in the sandbox wiki with `stdin`, insisting it succeeds.
async fn maintenance(args: &[&str], stdin: &str) {
    use tokio::io::AsyncWriteExt;
    let script = format!("maintenance/{}", args[0]);
    let mut child = tokio::process::Command::new("php")
        .arg(&script)
        .args(&args[1..])
        .current_dir(wiki_dir())
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

/// One test's MatchBot: its configuration, Redis prefix, database and Co-op corner.
pub struct Run {
    /// Unique tag of this run.
    pub tag: String,
    /// The directory holding its `config.json`.
    pub dir: PathBuf,
    /// Profiles are subpages of this.
    pub main: String,
    /// Talk pages are subpages of this.
    pub talk: String,
    /// Its MySQL database.
    pub db_name: String,
    /// Its Redis key prefix.
    pub prefix: String,
    /// `--since` for its scanner: just before the run was made.
    pub since: String,
    /// Its Redis.
    pub redis_url: String,
    /// Its MariaDB's port on 127.0.0.1.
    pub db_port: u16,
    /// Environment variables every binary it starts gets.
    env: Vec<(String, String)>,
}

/// A worker started by [`Run::spawn`].
pub struct Worker {
    name: String,
    child: tokio::process::Child,
    log: PathBuf,
}

impl Worker {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the worker is running")
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it with SIGTERM, insists it exits 0 within 10 s, and returns its log.
    pub async fn stop(mut self) -> String {
        assert!(sigterm(&self.child), "{} was not running", self.name);
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{} did not stop within 10 s of SIGTERM", self.name))
            .expect("wait for the worker");
        let log = self.log();
        assert!(status.success(), "{} exited {status}:\n{log}", self.name);
        log
    }
}

/// One row of `matches`, the columns a person checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Learner's user id.
    pub luid: u64,
    /// Learner's profile page id.
    pub lprofileid: u64,
    /// Request category.
    pub category: String,
    /// Mentor's user id.
    pub muid: u64,
    /// Category-add time.
    pub cataddtime: String,
    /// Greeting revision.
    pub revid: Option<u64>,
    /// 1 when a mentor was found.
    pub matchmade: u8,
    /// posted, skipped, failed.
    pub outcome: String,
    /// The request id.
    pub request_id: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Run {
    /// A fresh run for test `name`: a config from `config.example.json`, pointed at its own
    /// corner of the wiki, Redis prefix and database; `adjust` may change more.
    pub fn new(name: &str, adjust: impl FnOnce(&mut Value)) -> Run {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970");
        let tag = format!(
            "{name}-{}-{}-{}",
            now.as_secs(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let dir = std::env::temp_dir().join(format!("matchbot-test-{tag}"));
        std::fs::create_dir_all(&dir).expect("create test dir");
        let main = format!("Wikipedia:Co-op-{tag}");
        let talk = format!("Wikipedia talk:Co-op-{tag}");
        let db_name = format!("mbt_{}", tag.replace('-', "_"));
        let db_name: String = db_name.chars().take(64).collect();
        let prefix = format!("matchbot-test:{tag}:");
        let since = time_string(now.as_secs().saturating_sub(2));
        let example = include_str!("../../config.example.json");
        let mut config: Value = serde_json::from_str(example).expect("example config is JSON");
        config["pages"] = json!({ "main": main, "talk": talk });
        config["defaultmentorprofile"] = json!(format!("{main}/Maintainer"));
        config["dbinfo"]["dbname"] = json!(db_name);
        config["redis"]["prefix"] = json!(prefix);
        config["scanner"] = json!({ "poll_seconds": 1, "since": since });
        // Tests edit as fast as the wiki answers; the kill switch is the sandbox's own page.
        config["notifier"] = json!({ "edit_interval_seconds": 0, "run_page_check_seconds": 1 });
        let port = std::env::var("MATCHBOT_WIKI_PORT").unwrap_or_else(|_| "8181".into());
        config["login"]["site"] = json!(format!("127.0.0.1:{port}"));
        adjust(&mut config);
        let redis_url = config["redis"]["url"]
            .as_str()
            .unwrap_or("redis://127.0.0.1:6379/")
            .to_owned();
        let db_port = config["dbinfo"]["port"].as_u64().unwrap_or(3306) as u16;
        std::fs::write(
            dir.join("config.json"),
            serde_json::to_string_pretty(&config).expect("config serialises"),
        )
        .expect("write config");
        Run {
            tag,
            dir,
            main,
            talk,
            db_name,
            prefix,
            since,
            redis_url,
            db_port,
            env: Vec::new(),
        }
    }

    /// The same run, whose binaries all get `name=value` in their environment.
    pub fn with_env(mut self, name: &str, value: &str) -> Run {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A run ready for requests: its database migrated and its Co-op's maintainer profile
    /// (created by `Maintainer`) on the wiki.
    pub async fn with_maintainer(name: &str, wiki: &Wiki) -> Run {
        let run = Run::new(name, |_| {});
        run.migrate().await;
        wiki.edit_as(
            "Maintainer",
            &run.profile("Maintainer"),
            "I run this Co-op.",
        )
        .await;
        run
    }

    /// Changes this run's configuration file.
    pub fn adjust(&self, change: impl FnOnce(&mut Value)) {
        let path = self.dir.join("config.json");
        let text = std::fs::read_to_string(&path).expect("read config");
        let mut config: Value = serde_json::from_str(&text).expect("config is JSON");
        change(&mut config);
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&config).expect("config serialises"),
        )
        .expect("write config");
    }

    /// This run's own version of a configured category: `Category:Co-op/Requests/Writing`
    /// becomes `Category:Co-op <tag>/Requests/Writing` (see [`Run::use_own_categories`]).
    pub fn category(&self, configured: &str) -> String {
        configured.replacen("Category:Co-op", &format!("Category:Co-op {}", self.tag), 1)
    }

    /// Gives this run categories of its own, so no other test's category changes reach its
    /// scanner: for tests that count what the scanner asks the wiki.
    pub fn use_own_categories(&self) {
        self.adjust(|c| {
            let categories = &mut c["categories"];
            for key in ["general", "optout", "away"] {
                if let Some(shared) = categories[key].as_str() {
                    categories[key] = json!(self.category(shared));
                }
            }
            for key in ["requestcategories", "mentorcategories"] {
                for category in categories[key].as_array_mut().expect("a list") {
                    *category = json!(self.category(category.as_str().expect("a category")));
                }
            }
        });
    }

    /// The profile page of `user` in this run's corner.
    pub fn profile(&self, user: &str) -> String {
        format!("{}/{user}", self.main)
    }

    /// The talk page of `user`'s profile.
    pub fn talk_page(&self, user: &str) -> String {
        format!("{}/{user}", self.talk)
    }

    /// Runs a MatchBot binary with this run's configuration; returns its output.
    pub async fn command(&self, bin_name: &str, args: &[&str]) -> Output {
        tokio::process::Command::new(bin(bin_name))
            .arg("--config")
            .arg(&self.dir)
            .args(args)
            .env_remove("MATCHBOT_CONSUMER")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .await
            .expect("binary starts")
    }

    /// Runs a MatchBot binary and insists it succeeds.
    pub async fn ok(&self, bin_name: &str, args: &[&str]) -> Output {
        let out = self.command(bin_name, args).await;
        assert!(
            out.status.success(),
            "{bin_name} {args:?} failed with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Starts a MatchBot binary in the background with this run's configuration; its log
    /// goes to `<bin_name>.log` in the run's directory. Killed if dropped without [`Worker::stop`].
    pub fn spawn(&self, bin_name: &str, args: &[&str]) -> Worker {
        let log = self.dir.join(format!("{bin_name}.log"));
        let file = std::fs::File::create(&log).expect("create the worker's log");
        let child = tokio::process::Command::new(bin(bin_name))
            .arg("--config")
            .arg(&self.dir)
            .args(args)
            .env_remove("MATCHBOT_CONSUMER")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(file)
            .kill_on_drop(true)
            .spawn()
            .expect("the worker starts");
        Worker {
            name: bin_name.to_owned(),
            child,
            log,
        }
    }

    /// `matchbot migrate`.
    pub async fn migrate(&self) {
        self.ok("matchbot", &["migrate"]).await;
    }

    /// The four workers, each with `--once`, in pipeline order; returns each one's name and
    /// log.
    pub async fn pipeline_once(&self) -> Vec<(&'static str, String)> {
        let mut logs = Vec::new();
        for (worker, args) in [
            ("matchbot-scanner", vec!["--once", "--since", &self.since]),
            ("matchbot-matcher", vec!["--once"]),
            ("matchbot-notifier", vec!["--once"]),
            ("matchbot-recorder", vec!["--once"]),
        ] {
            let out = self.ok(worker, &args).await;
            logs.push((worker, String::from_utf8_lossy(&out.stderr).into_owned()));
        }
        logs
    }

    /// The rows `sql` selects from this run's database.
    pub async fn query(&self, sql: &str) -> Vec<mysql_async::Row> {
        let pool = mysql_async::Pool::new(
            mysql_async::OptsBuilder::default()
                .ip_or_hostname("127.0.0.1")
                .tcp_port(self.db_port)
                .user(Some("root"))
                .db_name(Some(&self.db_name)),
        );
        let mut conn = pool.get_conn().await.expect("connect to MariaDB");
        let rows: Vec<mysql_async::Row> = conn
            .query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        drop(conn);
        pool.disconnect().await.expect("disconnect");
        rows
    }

    /// The run's bus, as the workers connect to it (the `redis` section's defaults otherwise).
    pub async fn bus(&self) -> matchbot_bus::Bus {
        let redis = matchbot_config::RedisConfig {
            url: matchbot_secret::Secret::new(self.redis_url.as_str()),
            prefix: matchbot_secret::Secret::new(self.prefix.as_str()),
            ..matchbot_config::RedisConfig::default()
        };
        matchbot_runtime::connect::bus(&redis)
            .await
            .expect("connect to the run's Redis")
    }

    /// A connection to this run's Redis.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.redis_url.as_str())
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("connect to Redis")
    }

    /// The Redis key of this run's mentor pool.
    pub fn pool_key(&self) -> String {
        format!("{}{}", self.prefix, matchbot_bus::MENTOR_POOL)
    }

    /// The mentor pool the scanner last wrote (empty before its first reconcile).
    pub async fn pool(&self) -> matchbot_model::MentorPool {
        let json: Option<String> = redis::cmd("GET")
            .arg(self.pool_key())
            .query_async(&mut self.redis().await)
            .await
            .expect("read the pool");
        json.map(|j| serde_json::from_str(&j).expect("a pool"))
            .unwrap_or_default()
    }

    /// Waits until the scanner has written a pool in which `mentor` is opted out.
    pub async fn wait_until_opted_out(&self, mentor: &str, timeout: Duration) {
        self.wait_until(&format!("{mentor} opted out"), timeout, || async {
            self.pool()
                .await
                .opted_out
                .iter()
                .any(|m| m.user.name == mentor)
        })
        .await;
    }

    /// Writes `json` as the mentor pool, where the scanner would.
    pub async fn set_pool(&self, json: &str) {
        let () = redis::cmd("SET")
            .arg(self.pool_key())
            .arg(json)
            .query_async(&mut self.redis().await)
            .await
            .expect("write the pool");
    }

    /// The payloads of `stream`, as `matchbot stream export` gives them.
    pub async fn export(&self, stream: &str) -> Vec<String> {
        let out = self.ok("matchbot", &["stream", "export", stream]).await;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let entry: Value = serde_json::from_str(line).expect("export lines are JSON");
                entry["fields"]["payload"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// Every row of this run's `matches`, by request id.
    pub async fn rows(&self) -> Vec<Row> {
        let rows = self
            .query(
                "SELECT luid, lprofileid, category, muid,
                        DATE_FORMAT(cataddtime, '%Y-%m-%d %H:%i:%s'), revid, matchmade,
                        outcome, request_id
                 FROM matches ORDER BY request_id",
            )
            .await;
        rows.iter()
            .map(|r| Row {
                luid: column(r, 0),
                lprofileid: column(r, 1),
                category: column(r, 2),
                muid: column(r, 3),
                cataddtime: column(r, 4),
                revid: column(r, 5),
                matchmade: column(r, 6),
                outcome: column(r, 7),
                request_id: column(r, 8),
            })
            .collect()
    }

    /// Deletes every Redis key of this run, as a flushed or evicted Redis would.
    pub async fn lose_redis(&self) {
        let mut conn = self.redis().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query_async(&mut conn)
            .await
            .expect("list keys");
        if !keys.is_empty() {
            let () = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut conn)
                .await
                .expect("delete keys");
        }
    }

    /// Waits until `check` holds, polling, or panics after `timeout` with `what`.
    pub async fn wait_until<F, Fut>(&self, what: &str, timeout: Duration, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("timed out after {timeout:?} waiting for {what}");
    }
}

fn column<T: mysql_async::prelude::FromValue>(row: &mysql_async::Row, index: usize) -> T {
    row.get_opt(index)
        .unwrap_or_else(|| panic!("matches row has no column {index}"))
        .unwrap_or_else(|e| panic!("matches column {index} has an unexpected type: {e}"))
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (civil-from-days, so no date crate is needed).
/// The machine's time now, as `--since` takes it.
pub fn now_string() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    time_string(now.as_secs())
}

fn time_string(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_string_is_iso_utc() {
        assert_eq!(super::time_string(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::time_string(1_795_269_127), "2026-11-21T13:52:07Z");
    }
}
