//! What an operator runs: `matchbot status`, `matchbot dlq` and `matchbot health`, against the
//! real workers, Redis and wiki.

use std::time::Duration;

use harness::{Run, WIKI, Wiki};
use matchbot_bus::Stream;
use serde_json::{Value, json};

/// `matchbot status --json` with `extra` flags: its exit success and its JSON.
async fn status(run: &Run, extra: &[&str]) -> (bool, Value) {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let out = run.command("matchbot", &args).await;
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "status printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), json)
}

fn problems(status: &Value) -> Vec<String> {
    status["problems"]
        .as_array()
        .expect("a problem list")
        .iter()
        .map(|p| p.as_str().expect("text").to_owned())
        .collect()
}

fn group<'a>(status: &'a Value, stream: &str) -> &'a Value {
    let stream = status["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .find(|s| s["stream"] == stream)
        .unwrap_or_else(|| panic!("no {stream} in {status:#}"));
    &stream["groups"][0]
}

async fn dead_letters(run: &Run) -> Vec<Value> {
    let out = run.ok("matchbot", &["dlq", "list", "--json"]).await;
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("dlq list --json is a JSON array")
}

#[tokio::test]
async fn status_and_dlq_follow_the_pipeline_as_it_runs_and_fails() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("status", &wiki).await;
    let run_page = format!("User:MatchBot/Run/{}", run.tag);
    run.adjust(|c| c["notifier"]["run_page"] = json!(run_page));
    wiki.edit_as("Maintainer", &run_page, "true").await;

    // Nothing deployed yet: unhealthy, and it says why.
    let (healthy, before) = status(&run, &[]).await;
    assert!(!healthy);
    let said = problems(&before);
    for expected in [
        "the matcher has never read requests: is it deployed?",
        "the notifier has never read decisions: is it deployed?",
        "the recorder has never read outcomes: is it deployed?",
        "the scanner has never polled",
    ] {
        assert!(
            said.iter().any(|p| p == expected),
            "{expected:?} not in {said:#?}"
        );
    }
    assert_eq!(
        before["kill_switch"],
        json!({"state": "running", "page": run_page})
    );

    // The four workers running: healthy.
    let scanner = run.spawn("matchbot-scanner", &["--since", &run.since]);
    let matcher = run.spawn("matchbot-matcher", &[]);
    let notifier = run.spawn("matchbot-notifier", &[]);
    let recorder = run.spawn("matchbot-recorder", &[]);
    run.wait_until("a healthy status", Duration::from_secs(30), || async {
        status(&run, &[]).await.0
    })
    .await;
    let (_, last) = status(&run, &[]).await;
    for (stream, stage) in [
        ("requests", "matcher"),
        ("decisions", "notifier"),
        ("outcomes", "recorder"),
    ] {
        let g = group(&last, stream);
        assert_eq!(g["group"], stage, "{last:#}");
        assert_eq!(g["pending"], 0);
        assert_eq!(g["lag"], 0);
        assert_eq!(g["consumers"].as_array().map(Vec::len), Some(1), "{last:#}");
    }
    assert!(
        last["scanner_cursor_age_seconds"]
            .as_i64()
            .is_some_and(|a| a < 30),
        "{last:#}"
    );
    assert_eq!(last["dead_letters"], 0);
    let table = run.command("matchbot", &["status"]).await;
    assert!(table.status.success());
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("kill switch  running"), "{table}");
    assert!(table.ends_with("healthy\n"), "{table}");

    // A poison entry: the matcher gives it up, and status and dlq show it.
    let mut redis = run.redis().await;
    let requests = run.key("requests");
    let poison = run
        .add_signed(Stream::Requests, "{\"not\": \"a request\"}")
        .await;
    run.wait_until(
        "the poison entry in the dead-letter stream",
        Duration::from_secs(20),
        || async { !dead_letters(&run).await.is_empty() },
    )
    .await;
    let letters = dead_letters(&run).await;
    assert_eq!(letters.len(), 1, "{letters:#?}");
    let letter = &letters[0];
    assert_eq!(letter["stage"], "matcher");
    assert_eq!(letter["stream"], "requests");
    assert_eq!(letter["entry"], poison.as_str());
    assert_eq!(letter["deliveries"], 1);
    assert_eq!(letter["payload"], "{\"not\": \"a request\"}");
    let reason = letter["reason"].as_str().expect("a reason");
    assert!(reason.contains("not a valid Request"), "{reason}");
    let (healthy, now) = status(&run, &[]).await;
    assert!(!healthy);
    assert_eq!(
        problems(&now),
        ["1 entries in the dead-letter stream (see `matchbot dlq list`)"]
    );
    let listed = run.ok("matchbot", &["dlq", "list"]).await;
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains(&format!(
            "stage matcher  from requests {poison}  handed out 1 times"
        )),
        "{listed}"
    );
    assert!(listed.contains(&format!("reason: {reason}")), "{listed}");

    // An entry lost before it was read cannot be retried, and a refused retry retries nothing.
    let lost: String = redis::cmd("XADD")
        .arg(run.key("dead-letter"))
        .arg("*")
        .arg(&["stage", "matcher", "stream", "requests", "entry", "1-1"])
        .arg(&[
            "reason",
            "the entry was trimmed",
            "deliveries",
            "0",
            "payload",
            "",
        ])
        .query_async(&mut redis)
        .await
        .expect("XADD");
    let first = letter["id"].as_str().expect("an id").to_owned();
    let refused = run
        .command("matchbot", &["dlq", "retry", &first, &lost])
        .await;
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "nothing was retried: {lost}: its payload was lost before it was read; there is nothing to retry"
        )),
        "{stderr}"
    );
    assert_eq!(dead_letters(&run).await.len(), 2);

    // Retried, the entry is handled again (and, still poison, given up again).
    run.ok("matchbot", &["dlq", "drop", &lost]).await;
    let retried = run.ok("matchbot", &["dlq", "retry", &first]).await;
    assert!(String::from_utf8_lossy(&retried.stdout).contains("1 entries retried"));
    run.wait_until(
        "the retried entry given up again",
        Duration::from_secs(20),
        || async {
            let letters = dead_letters(&run).await;
            letters.len() == 1 && letters[0]["id"] != first.as_str()
        },
    )
    .await;
    let again = dead_letters(&run).await;
    assert_eq!(again[0]["payload"], "{\"not\": \"a request\"}");
    assert_ne!(
        again[0]["entry"],
        poison.as_str(),
        "it came back as a new entry"
    );
    let dropped = run.ok("matchbot", &["dlq", "drop", "--all"]).await;
    assert!(String::from_utf8_lossy(&dropped.stdout).contains("1 entries dropped"));
    assert!(dead_letters(&run).await.is_empty());

    // The kill switch off is shown, and is not a fault.
    wiki.edit_as("Maintainer", &run_page, "stop: maintenance")
        .await;
    let (healthy, now) = status(&run, &[]).await;
    assert!(healthy, "{now:#}");
    assert_eq!(
        now["kill_switch"],
        json!({"state": "stopped", "page": run_page, "says": "stop: maintenance"})
    );
    wiki.edit_as("Maintainer", &run_page, "true").await;

    // The matcher stops: nothing reads requests any more, and what waits is counted.
    matcher.stop().await;
    redis::cmd("XADD")
        .arg(&requests)
        .arg("*")
        .arg("payload")
        .arg("{}")
        .query_async::<String>(&mut redis)
        .await
        .expect("XADD");
    // A live stage reads every 2 s and says so every 5 (so at most 7 s ago); the stopped one
    // has not for 12.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let (healthy, now) = status(&run, &["--max-idle", "10", "--max-lag", "0"]).await;
    assert!(!healthy);
    assert_eq!(
        problems(&now),
        [
            "no matcher is reading requests: none of its 1 consumers read in the last 10 s",
            "1 entries of requests wait for the matcher (more than 0)",
        ]
    );

    for worker in [scanner, notifier, recorder] {
        worker.stop().await;
    }
}

#[tokio::test]
async fn health_tells_a_waiting_worker_from_a_stuck_one() {
    let run = Run::new("health", |c| {
        // Long pauses between polls: a deliberate wait must not look stuck.
        c["scanner"]["poll_seconds"] = json!(20);
    });
    let _wiki_lock = WIKI.lock().await;
    run.migrate().await;
    let heartbeat = run.dir.join("scanner.heartbeat");
    let heartbeat_path = heartbeat.to_str().expect("a UTF-8 path").to_owned();
    let run = run.with_env("MATCHBOT_HEARTBEAT", &heartbeat_path);
    let health = async |max_age: &str| {
        let out = run
            .command(
                "matchbot",
                &[
                    "health",
                    "scanner",
                    "--file",
                    &heartbeat_path,
                    "--max-age",
                    max_age,
                ],
            )
            .await;
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    let (alive, said) = health("6").await;
    assert!(!alive && said.contains("no heartbeat at"), "{said}");

    let scanner = run.spawn("matchbot-scanner", &["--since", &run.since]);
    run.wait_until(
        "the scanner's first poll",
        Duration::from_secs(20),
        || async { scanner.log().contains("\"polls\"") || scanner.log().contains("reconciled") },
    )
    .await;
    // Asleep between polls for 20 s, it still beats.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (alive, said) = health("6").await;
        assert!(
            alive,
            "a sleeping scanner looked stuck: {said}\n{}",
            scanner.log()
        );
        assert!(
            said.starts_with("matchbot-scanner: alive, last beat "),
            "{said}"
        );
    }

    // Frozen (SIGSTOP): its heartbeat goes stale, and health says so.
    let pid = scanner.pid().to_string();
    let stop = std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status();
    assert!(stop.expect("kill runs").success());
    tokio::time::sleep(Duration::from_secs(8)).await;
    let (alive, said) = health("6").await;
    assert!(!alive, "{said}");
    assert!(
        said.starts_with("matchbot-scanner: stuck, last beat "),
        "{said}"
    );
    let go_on = std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status();
    assert!(go_on.expect("kill runs").success());
    run.wait_until("the heartbeat again", Duration::from_secs(10), || async {
        health("6").await.0
    })
    .await;
    scanner.stop().await;

    // Only the four workers have heartbeats.
    let out = run.command("matchbot", &["health", "poller"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'poller'"));
}
