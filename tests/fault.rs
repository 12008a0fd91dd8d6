//! The fault test: nothing lost, nothing doubled, through crashes and restarts.
//!
//! A thousand learners tag their profiles on a fake wiki (real clock; one request in 200
//! answered 503, half of the failed edits saved before the 503) while the four real binaries
//! run against a Redis of the test's own (append-only, fsync always) and a MariaDB of its own.
//! Meanwhile each worker is SIGKILLed at random moments, at least three times, and started
//! again under a new consumer name; Redis is restarted once and MariaDB once. At the end every
//! request must have exactly one greeting and exactly one row, and the dead-letter stream must
//! be empty. The test prints the counts.
//!
//! The chaos is drawn from a seed it prints; `MATCHBOT_FAULT_SEED=<seed>` repeats a schedule.
//! Worker logs are in the directory it prints, kept when the test fails (or with
//! `MATCHBOT_FAULT_KEEP=1`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::fake_wiki::{Clock, FakeWiki};
use harness::services::{OwnMariaDb, OwnRedis};
use harness::{Run, bin};
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use tokio::process::{Child, Command};

const REQUESTS: usize = 1000;
const KILLS_PER_WORKER: usize = 3;

/// One worker binary and its running replicas.
struct Worker {
    binary: &'static str,
    stage: &'static str,
    args: Vec<String>,
    replicas: Vec<Child>,
    starts: usize,
    kills: usize,
}

impl Worker {
    fn new(binary: &'static str, stage: &'static str, args: &[&str]) -> Worker {
        Worker {
            binary,
            stage,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            replicas: Vec::new(),
            starts: 0,
            kills: 0,
        }
    }

    /// Starts one more replica, under a consumer name no earlier process used, so what a
    /// killed one left pending must be taken over (XAUTOCLAIM) by another.
    fn spawn(&mut self, run: &Run, logs: &Path) -> Child {
        self.starts += 1;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join(format!("{}.log", self.stage)))
            .expect("open the worker's log");
        Command::new(bin(self.binary))
            .arg("--config")
            .arg(&run.dir)
            .args(&self.args)
            .env(
                "MATCHBOT_CONSUMER",
                format!("{}-{}", self.stage, self.starts),
            )
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("the worker starts")
    }

    fn start(&mut self, replicas: usize, run: &Run, logs: &Path) {
        for _ in 0..replicas {
            let child = self.spawn(run, logs);
            self.replicas.push(child);
        }
    }

    /// SIGKILLs replica `index` and starts a new one in its place after `pause`.
    async fn kill(&mut self, index: usize, pause: Duration, run: &Run, logs: &Path) {
        let child = &mut self.replicas[index];
        child.start_kill().expect("SIGKILL the worker");
        let _ = child.wait().await;
        self.kills += 1;
        tokio::time::sleep(pause).await;
        self.replicas[index] = self.spawn(run, logs);
    }

    /// SIGTERMs every replica; each must exit 0 within 10 s.
    async fn stop(&mut self) {
        for child in &mut self.replicas {
            harness::sigterm(child);
            let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
                .await
                .unwrap_or_else(|_| panic!("{} did not stop within 10 s of SIGTERM", self.binary))
                .expect("wait for the worker");
            assert!(
                status.success(),
                "{} exited with {status} after SIGTERM",
                self.binary
            );
        }
    }
}

enum Chaos {
    Kill(usize),
    RestartRedis,
    RestartMariaDb,
}

/// The Co-op on the fake wiki: a maintainer and three mentors per skill.
fn seed_co_op(wiki: &FakeWiki, run: &Run, config: &serde_json::Value) {
    harness::add_matchbot(wiki);
    wiki.edit(
        "Maintainer",
        &run.profile("Maintainer"),
        "I run this Co-op.",
    );
    let mentor_categories = config["categories"]["mentorcategories"]
        .as_array()
        .expect("mentor categories");
    for (skill, category) in mentor_categories.iter().enumerate() {
        for n in 0..3 {
            let mentor = format!("Mentor {skill}-{n}");
            let profile = run.profile(&mentor);
            wiki.edit(&mentor, &profile, "Happy to help.");
            wiki.categorize(&profile, category.as_str().expect("a category"));
        }
    }
}

/// A thousand learners tag their profiles, fifty a second.
async fn learners_arrive(wiki: Arc<FakeWiki>, main: String, categories: Vec<String>) {
    for i in 0..REQUESTS {
        let learner = format!("Learner {i}");
        let profile = format!("{main}/{learner}");
        let category = &categories[i % categories.len()];
        wiki.edit(&learner, &profile, &format!("Hi! [[{category}]]"));
        wiki.categorize(&profile, category);
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_greeted_and_recorded_exactly_once_through_kills_and_restarts() {
    let started = Instant::now();
    let seed: u64 = std::env::var("MATCHBOT_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("matchbot-fault-{}-{seed}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the test directory");
    eprintln!(
        "fault test: seed {seed}; logs and data in {}",
        dir.display()
    );

    let mut redis = OwnRedis::start(&dir).await;
    let mut mariadb = OwnMariaDb::start(&dir).await;
    let wiki = Arc::new(FakeWiki::start(Clock::Real).await);
    let run = Run::new("fault", |c| {
        c["login"]["site"] = json!(wiki.site);
        c["redis"]["url"] = json!(redis.url());
        c["redis"]["claim_idle_seconds"] = json!(5);
        c["dbinfo"]["host"] = json!("127.0.0.1");
        c["dbinfo"]["port"] = json!(mariadb.port);
        c["scanner"]["poll_seconds"] = json!(0.5);
    });
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.dir.join("config.json")).expect("the run's config"),
    )
    .expect("config is JSON");
    seed_co_op(&wiki, &run, &config);
    run.migrate().await;

    let mut workers = vec![
        Worker::new("matchbot-scanner", "scanner", &["--since", &run.since]),
        Worker::new("matchbot-matcher", "matcher", &[]),
        Worker::new("matchbot-notifier", "notifier", &[]),
        Worker::new("matchbot-recorder", "recorder", &[]),
    ];
    // One scanner (it owns the cursor); two replicas of every stage, sharing its group.
    for (worker, replicas) in workers.iter_mut().zip([1, 2, 2, 2]) {
        worker.start(replicas, &run, &dir);
    }
    wiki.set_flaky(5);

    let request_categories: Vec<String> = config["categories"]["requestcategories"]
        .as_array()
        .expect("request categories")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    let feeding = tokio::spawn(learners_arrive(
        wiki.clone(),
        run.main.clone(),
        request_categories,
    ));

    let mut chaos: Vec<Chaos> = (0..workers.len())
        .flat_map(|w| std::iter::repeat_n(w, KILLS_PER_WORKER).map(Chaos::Kill))
        .collect();
    chaos.push(Chaos::RestartRedis);
    chaos.push(Chaos::RestartMariaDb);
    chaos.shuffle(&mut rng);
    let (mut redis_restarts, mut mariadb_restarts) = (0, 0);
    for event in chaos {
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..1500))).await;
        match event {
            Chaos::Kill(w) => {
                let index = rng.random_range(0..workers[w].replicas.len());
                let pause = Duration::from_millis(rng.random_range(0..500));
                workers[w].kill(index, pause, &run, &dir).await;
            }
            Chaos::RestartRedis => {
                redis.restart().await;
                redis_restarts += 1;
            }
            Chaos::RestartMariaDb => {
                mariadb.restart().await;
                mariadb_restarts += 1;
            }
        }
    }
    let chaos_ended = started.elapsed();
    feeding.await.expect("every learner arrived");

    run.wait_until(
        "a row for every request",
        Duration::from_secs(300),
        || async {
            let rows = run.query("SELECT COUNT(*) FROM matches").await;
            rows.first().and_then(|r| r.get::<u64, _>(0)) >= Some(REQUESTS as u64)
        },
    )
    .await;
    // Anything still in flight (a second greeting, a second row) would show up within this.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for worker in &mut workers {
        worker.stop().await;
    }

    // Greetings: the bot's edits, by the request marker each carries.
    let mut greetings: BTreeMap<String, usize> = BTreeMap::new();
    for edit in wiki.edits().iter().filter(|e| e.user == "MatchBot") {
        let request = edit
            .text
            .split("<!-- matchbot request=")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("a greeting without a marker on {}", edit.title));
        *greetings.entry(request.to_owned()).or_default() += 1;
    }
    let greeted_twice: Vec<_> = greetings.iter().filter(|(_, n)| **n > 1).collect();
    let greeting_count: usize = greetings.values().sum();

    let rows = run
        .query("SELECT COUNT(*), COUNT(DISTINCT request_id), SUM(outcome = 'posted') FROM matches")
        .await;
    let row = rows.first().expect("a count row");
    let (row_count, distinct_rows, posted_rows): (u64, u64, u64) = (
        row.get(0).expect("count"),
        row.get(1).expect("distinct"),
        row.get::<Option<u64>, _>(2).flatten().unwrap_or(0),
    );
    let mut conn = run.redis().await;
    let dead_letters: u64 = redis::cmd("XLEN")
        .arg(run.key("dead-letter"))
        .query_async(&mut conn)
        .await
        .expect("XLEN dead-letter");
    let requests = wiki.requests();
    let kills: Vec<String> = workers
        .iter()
        .map(|w| format!("{} {}", w.stage, w.kills))
        .collect();

    println!(
        "fault test (seed {seed}): {REQUESTS} requests; {} requests greeted, {greeting_count} greetings, {} greeted more than once; {row_count} rows ({distinct_rows} distinct requests, {posted_rows} posted); {dead_letters} dead letters",
        greetings.len(),
        greeted_twice.len(),
    );
    println!(
        "  chaos over the first {:.1} s: SIGKILLs {}; Redis restarted {redis_restarts}, MariaDB restarted {mariadb_restarts}; {} wiki answers were 503 ({} of them after saving the edit); all done in {:.1} s",
        chaos_ended.as_secs_f64(),
        kills.join(", "),
        wiki.unavailable(),
        wiki.saved_then_unavailable(),
        started.elapsed().as_secs_f64()
    );
    println!("  wiki requests: {requests:?}");

    assert_eq!(greetings.len(), REQUESTS, "every request greeted");
    assert!(greeted_twice.is_empty(), "greeted twice: {greeted_twice:?}");
    assert_eq!(row_count, REQUESTS as u64, "one row per request");
    assert_eq!(distinct_rows, REQUESTS as u64, "no request recorded twice");
    assert_eq!(posted_rows, REQUESTS as u64, "every row a posted greeting");
    assert_eq!(dead_letters, 0, "the dead-letter stream is empty");
    for worker in &workers {
        assert!(
            worker.kills >= KILLS_PER_WORKER,
            "{} killed {} times",
            worker.stage,
            worker.kills
        );
    }
    assert_eq!((redis_restarts, mariadb_restarts), (1, 1));
    // On failure the directory stays, with every worker's log; MATCHBOT_FAULT_KEEP keeps it
    // on success too.
    if std::env::var_os("MATCHBOT_FAULT_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stuck_on_a_hanging_wiki_still_exits_within_10_s_of_sigterm() {
    let wiki = FakeWiki::start(Clock::Real).await;
    harness::add_matchbot(&wiki);
    let run = Run::new("hang", |c| {
        c["login"]["site"] = json!(wiki.site);
    });
    // The scanner's first request, the login token, never gets an answer.
    wiki.fail_next(&[harness::fake_wiki::Fault::Hang]);
    let mut scanner = Command::new(bin("matchbot-scanner"))
        .arg("--config")
        .arg(&run.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the scanner starts");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let signalled = Instant::now();
    assert!(harness::sigterm(&scanner), "the scanner runs until SIGTERM");
    let exited = tokio::time::timeout(Duration::from_secs(10), scanner.wait()).await;
    assert!(
        exited.is_ok(),
        "the scanner was still running 10 s after SIGTERM"
    );
    let mut stderr = String::new();
    if let Some(mut pipe) = scanner.stderr.take() {
        use tokio::io::AsyncReadExt;
        let _ = pipe.read_to_string(&mut stderr).await;
    }
    assert!(
        stderr.contains("did not finish within 9s of the stop signal"),
        "the forced exit says why:\n{stderr}"
    );
    println!(
        "a scanner stuck on a hanging wiki exited {:.1} s after SIGTERM",
        signalled.elapsed().as_secs_f64()
    );
}
