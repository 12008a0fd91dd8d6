//! docker-compose.yml for real: the shipped file, with only the images Docker Hub would give
//! built here instead (deploy/standin/compose.test.yml), brought up against the sandbox's
//! real wiki, and checked as a user would: every service healthy, `migrate` run once, a
//! learner greeted once and recorded once through the containers, spans from inside them,
//! two notifiers and two matchers greeting each learner once, a crashed worker restarted by
//! its restart policy with nothing lost, a paused one reported unhealthy, and `down` leaving
//! no container behind. It skips, saying so loudly, only where dockerd cannot run.

mod stack;

use std::time::{Duration, Instant};

use harness::collector::Collector;
use harness::proxy::CountingProxy;
use harness::{BOT_PASSWORD, Run, WIKI, Wiki, api_url};
use serde_json::json;
use stack::{Stack, WORKERS};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

/// Asks for writing help as each of `learners`, then waits until each one's row is in the
/// stack's database; returns the rows as `learner, outcome, trace_id`.
async fn ask_and_wait(wiki: &Wiki, run: &Run, stack: &Stack, learners: &[&str]) -> Vec<String> {
    for learner in learners {
        wiki.edit_as(
            learner,
            &run.profile(learner),
            &format!("Help me write. [[{WRITING}]]"),
        )
        .await;
    }
    wiki.wait_for_jobs().await;
    let names: Vec<String> = learners.iter().map(|l| format!("'{l}'")).collect();
    let sql = format!(
        "SELECT learner, outcome, trace_id FROM matches WHERE learner IN ({}) ORDER BY learner",
        names.join(",")
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let rows = stack.sql(&run.db_name, &sql).await;
        if rows.len() >= learners.len() {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "rows for {learners:?} after 90 s: {rows:?}\n{}",
            String::from_utf8_lossy(&stack.compose(&["logs", "--tail=30"]).await.stdout)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// How many times MatchBot edited `learner`'s talk page.
async fn greetings(wiki: &Wiki, run: &Run, learner: &str) -> usize {
    let revisions = wiki.revisions(&run.talk_page(learner)).await;
    revisions
        .iter()
        .filter(|(_, user)| user == "MatchBot")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compose_stack_greets_once_survives_crashes_and_comes_down_clean() {
    let started = Instant::now();
    let Some(docker) = stack::prepare().await else {
        return;
    };
    let prepared = started.elapsed();
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    // The wiki and the collector listen on loopback of the host; the containers reach them
    // through these, on the host's address on Docker's bridge (host.docker.internal).
    let proxy = CountingProxy::start_at(docker.gateway, &api_url()).await;
    let collector = Collector::start_at(docker.gateway, 0).await;
    let collector_port = collector.endpoint.rsplit(':').next().expect("a port");
    let port = proxy.site.rsplit(':').next().expect("a port");
    // The user's config.json, with the wiki password left to the environment, as the README
    // advises: `migrate` must not need it.
    let run = Run::new("compose", |c| {
        c["login"]
            .as_object_mut()
            .expect("a login section")
            .remove("password");
        c["login"]["site"] = json!(format!("host.docker.internal:{port}"));
        // Redis hands a new entry to whichever matcher blocked on the stream first, the paused
        // one too: the learner asked for meanwhile is then taken over by the running matcher
        // after claim_idle, which must fall within the wait for their row (the default, 300 s,
        // does not).
        c["redis"]["claim_idle_seconds"] = json!(15);
    });
    wiki.edit_as(
        "Maintainer",
        &run.profile("Maintainer"),
        "I run this Co-op.",
    )
    .await;
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Writing mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    let signing_key = format!("compose test signing key {}, long enough", run.tag);
    let stack = Stack::new(
        docker,
        &run.dir,
        &[
            ("MATCHBOT_SIGNING_KEY", &signing_key),
            ("MATCHBOT_WIKI_PASSWORD", BOT_PASSWORD),
            ("MATCHBOT_TEST_COLLECTOR_PORT", collector_port),
        ],
    )
    .await;

    // Up: every service healthy, migrate run once and done.
    stack.compose_ok(&["up", "-d", "--no-build"]).await;
    let mut services = vec!["redis", "mariadb"];
    services.extend(WORKERS);
    stack
        .wait_health(&services, "healthy", Duration::from_secs(90))
        .await;
    let migrate = stack.containers("migrate").await;
    assert_eq!(migrate.len(), 1, "one migrate: {migrate:?}");
    let state = stack
        .inspect(&migrate[0], "{{.State.Status}} {{.State.ExitCode}}")
        .await;
    assert_eq!(state, "exited 0", "migrate ran to success");
    let up = started.elapsed();

    // A learner is greeted once and recorded once, traced from inside the containers.
    let rows = ask_and_wait(&wiki, &run, &stack, &["Zoë"]).await;
    let fields: Vec<&str> = rows[0].split('\t').collect();
    assert_eq!(fields[..2], ["Zoë", "posted"], "{rows:?}");
    let trace = fields[2];
    let mut expected = WORKERS.map(|w| format!("matchbot-{w}"));
    expected.sort();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // The workers export in batches, a few seconds apart.
        let mut traced: Vec<String> = collector
            .spans()
            .into_iter()
            .filter(|s| s.trace_id == trace)
            .map(|s| s.service)
            .collect();
        traced.sort();
        traced.dedup();
        if traced == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the request's spans through the stand-in collector, after 30 s: {traced:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let first = started.elapsed();

    // Two notifiers and two matchers: each learner still greeted once.
    stack
        .compose_ok(&[
            "up",
            "-d",
            "--no-build",
            "--scale",
            "notifier=2",
            "--scale",
            "matcher=2",
        ])
        .await;
    stack
        .wait_health(&["matcher", "notifier"], "healthy", Duration::from_secs(60))
        .await;
    for service in ["matcher", "notifier"] {
        assert_eq!(stack.containers(service).await.len(), 2, "{service} scaled");
    }
    let scaled = ["Ren", "Sol", "Tam", "Uma"];
    let rows = ask_and_wait(&wiki, &run, &stack, &scaled).await;
    assert_eq!(rows.len(), scaled.len(), "one row each: {rows:?}");
    let second = started.elapsed();

    // A paused matcher turns unhealthy; a notifier killed as a crash kills it (SIGKILL to
    // its process, not `docker kill`, which is a stop) is restarted, and the learner who
    // asked meanwhile is greeted once.
    let matchers = stack.containers("matcher").await;
    stack.docker(&["pause", &matchers[1]]).await;
    let notifier = stack.containers("notifier").await[0].clone();
    let pid = stack.inspect(&notifier, "{{.State.Pid}}").await;
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success(), "the notifier's process {pid} was there");
    let rows = ask_and_wait(&wiki, &run, &stack, &["Vik"]).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        stack.inspect(&notifier, "{{.RestartCount}}").await,
        "1",
        "the restart policy restarted the killed notifier"
    );
    assert_eq!(stack.health(&matchers[1]).await, "unhealthy", "paused");
    stack.docker(&["unpause", &matchers[1]]).await;
    stack
        .wait_health(&WORKERS, "healthy", Duration::from_secs(60))
        .await;
    let third = started.elapsed();

    // Nothing doubled anywhere, now that every redelivery has had its chance.
    let all: Vec<&str> = ["Zoë"].into_iter().chain(scaled).chain(["Vik"]).collect();
    let rows = stack
        .sql(
            &run.db_name,
            "SELECT learner, outcome FROM matches ORDER BY learner",
        )
        .await;
    let mut expected: Vec<String> = all.iter().map(|l| format!("{l}\tposted")).collect();
    expected.sort();
    assert_eq!(rows, expected, "one posted row per learner");
    for learner in &all {
        assert_eq!(
            greetings(&wiki, &run, learner).await,
            1,
            "{learner} greeted once"
        );
    }

    // Down: no container left.
    stack.compose_ok(&["down", "--volumes"]).await;
    let left = stack.all_containers().await;
    assert!(left.is_empty(), "left after down: {left:?}");
    let edits = proxy
        .log()
        .iter()
        .filter(|r| r.kind() == "action=edit")
        .count();
    assert_eq!(edits, all.len(), "one edit per greeting through the stack");
    println!(
        "compose stack: images ready {prepared:?}, up and healthy {up:?}, first greeting {first:?}, \
         scaled {second:?}, crash and pause {third:?}, down {:?}",
        started.elapsed()
    );
}
