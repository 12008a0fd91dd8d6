//! How the binaries start and stop.

use std::time::Duration;

use harness::{Run, WIKI, Wiki, bin, sigterm};

const WORKERS: [&str; 4] = [
    "matchbot-scanner",
    "matchbot-matcher",
    "matchbot-notifier",
    "matchbot-recorder",
];

#[tokio::test]
async fn a_bad_configuration_exits_2_naming_every_problem() {
    let run = Run::new("badconfig", |c| {
        // The original's own sample bug: 5 skills for 6 categories. And a second mistake.
        c["categories"]["skillslist"].as_array_mut().unwrap().pop();
        c["greetings"]["matchgreeting"] = serde_json::json!("Hello {0}");
    });
    for binary in WORKERS.iter().chain(&["matchbot"]) {
        let args: &[&str] = if *binary == "matchbot" {
            &["check-config"]
        } else {
            &["--once"]
        };
        let out = run.command(binary, args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{binary}: {stderr}");
        assert!(
            stderr.contains(
                "categories.skillslist: has 5 entries but categories.requestcategories has 6"
            ),
            "{binary}: {stderr}"
        );
        assert!(
            stderr.contains("greetings.matchgreeting: lacks the placeholder {1} (skill)"),
            "{binary}: {stderr}"
        );
    }
}

#[tokio::test]
async fn workers_run_until_sigterm_then_stop_cleanly() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("sigterm", &wiki).await;
    let mut children = Vec::new();
    for worker in WORKERS {
        let mut command = tokio::process::Command::new(bin(worker));
        command
            .arg("--config")
            .arg(&run.dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        if worker == "matchbot-scanner" {
            command.args(["--since", &run.since]);
        }
        children.push((worker, command.spawn().expect("worker starts")));
    }
    // A request made while the workers run is greeted and recorded without any --once.
    wiki.edit_as(
        "Ken",
        &run.profile("Ken"),
        "[[Category:Co-op/Requests/Images and media]]",
    )
    .await;
    run.wait_until(
        "the request to be recorded",
        Duration::from_secs(60),
        || async { run.rows().await.len() == 1 },
    )
    .await;
    assert_eq!(run.rows().await[0].outcome, "posted");

    for (worker, child) in &mut children {
        assert!(sigterm(child), "{worker} was running until SIGTERM");
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .unwrap_or_else(|_| panic!("{worker} did not stop within 10 s of SIGTERM"))
            .expect("wait for worker");
        assert!(
            status.success(),
            "{worker} exited with {status} after SIGTERM"
        );
    }
}
