//! One test's MatchBot: its configuration, Redis prefix, database and Co-op corner, and the
//! real binaries run with them.

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::fake_wiki::{Clock, FakeWiki};
use crate::sandbox::Wiki;
use crate::{bin, sigterm, time_string};

/// Writes the run's signing key beside its configuration, where the workers look for it:
/// readable by its owner only, as they insist.
pub fn write_signing_key(dir: &std::path::Path, tag: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(matchbot_config::KEY_FILE);
    let _ = std::fs::remove_file(&path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .expect("create the signing key file");
    writeln!(file, "test signing key of {tag}, long enough").expect("write the signing key");
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

    /// Kills it with SIGKILL, as a crash or an OOM kill would: it finishes nothing.
    pub fn kill(&self) {
        self.signal("KILL");
    }

    /// Sends it `signal` (`KILL`, `STOP`, `CONT`, …), as `kill -<signal>` would.
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "the worker was running");
    }

    /// How it exited, once it has; `None` while it runs.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("ask after the worker")
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
        config["notifier"] = json!({
            "edit_interval_seconds": 0,
            "run_page_check_seconds": 1,
            "edit_time_limit_seconds": 1,
        });
        config["login"]["site"] = json!(crate::sandbox::site());
        adjust(&mut config);
        let redis_url = config["redis"]["url"]
            .as_str()
            .unwrap_or("redis://127.0.0.1:6379/")
            .to_owned();
        let db_port = config["dbinfo"]["port"].as_u64().unwrap_or(3306) as u16;
        // A test may choose a prefix of its own: the key names are derived from it.
        let prefix = config["redis"]["prefix"]
            .as_str()
            .map_or(prefix, str::to_owned);
        std::fs::write(
            dir.join("config.json"),
            serde_json::to_string_pretty(&config).expect("config serialises"),
        )
        .expect("write config");
        write_signing_key(&dir, &tag);
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

    /// A fake wiki holding a Co-op with only its maintainer, and a run for test `name`
    /// pointed at it, its database migrated; `adjust` may change the configuration more.
    pub async fn on_fake_wiki(
        name: &str,
        clock: Clock,
        adjust: impl FnOnce(&mut Value),
    ) -> (FakeWiki, Run) {
        let wiki = FakeWiki::start(clock).await;
        let run = Run::new(name, |c| {
            c["login"]["site"] = json!(wiki.site);
            adjust(c);
        });
        crate::add_matchbot(&wiki);
        wiki.edit(
            "Maintainer",
            &run.profile("Maintainer"),
            "I run this Co-op.",
        );
        run.migrate().await;
        (wiki, run)
    }

    /// `mentor` makes a profile on the fake wiki offering what `category` (a mentor category)
    /// names, as a person would.
    pub fn mentor_on(&self, wiki: &FakeWiki, mentor: &str, category: &str) {
        let profile = self.profile(mentor);
        wiki.edit(mentor, &profile, &format!("I mentor. [[{category}]]"));
        wiki.categorize(&profile, category);
    }

    /// `learner` makes a profile on the fake wiki asking for help with `category` (a request
    /// category), as a person would.
    pub fn asks_on(&self, wiki: &FakeWiki, learner: &str, category: &str) {
        let profile = self.profile(learner);
        wiki.edit(learner, &profile, &format!("Hello! [[{category}]]"));
        wiki.categorize(&profile, category);
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
        self.start(bin_name, None, args)
    }

    /// The four workers running on, in pipeline order (the scanner from the run's start).
    pub fn spawn_pipeline(&self) -> [Worker; 4] {
        [
            self.spawn("matchbot-scanner", &["--since", &self.since]),
            self.spawn("matchbot-matcher", &[]),
            self.spawn("matchbot-notifier", &[]),
            self.spawn("matchbot-recorder", &[]),
        ]
    }

    /// Like [`Run::spawn`], as replica `name` of its stage (its consumer name, and the
    /// scanner's name for the lease); its log goes to `<bin_name>-<name>.log`.
    pub fn spawn_replica(&self, bin_name: &str, name: &str, args: &[&str]) -> Worker {
        self.start(bin_name, Some(name), args)
    }

    fn start(&self, bin_name: &str, replica: Option<&str>, args: &[&str]) -> Worker {
        let log = match replica {
            Some(name) => self.dir.join(format!("{bin_name}-{name}.log")),
            None => self.dir.join(format!("{bin_name}.log")),
        };
        let file = std::fs::File::create(&log).expect("create the worker's log");
        let mut command = tokio::process::Command::new(bin(bin_name));
        command
            .arg("--config")
            .arg(&self.dir)
            .args(args)
            .env_remove("MATCHBOT_CONSUMER")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(name) = replica {
            command.env("MATCHBOT_CONSUMER", name);
        }
        let child = command
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
