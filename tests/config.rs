//! A refused configuration stops every binary before it does anything: exit status 2, every
//! problem listed once, and no value of a secret setting in what it prints.

use harness::Run;
use serde_json::json;

const WRONG_SECRET: u64 = 98_765_432_101;

#[tokio::test]
async fn every_binary_exits_2_naming_each_problem_once_without_a_secret() {
    let run = Run::new("config-refused", |c| {
        c["login"]["path"] = json!("/w/");
        c["login"]["oauth2_token"] = json!("misplaced-token-secret-51ab");
        c["login"]["password"] = json!(WRONG_SECRET);
        c["greetings"]["matchgreeting"] = json!(format!("{{0}} {{1}} {}", "x".repeat(3 << 20)));
    });
    for binary in [
        "matchbot",
        "matchbot-scanner",
        "matchbot-matcher",
        "matchbot-notifier",
        "matchbot-recorder",
    ] {
        let args: &[&str] = if binary == "matchbot" {
            &["check-config"]
        } else {
            &["--once"]
        };
        let out = run.command(binary, args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{binary}:\n{stderr}");
        for key in [
            "login.path: unknown setting",
            "login.oauth2_token: unknown setting",
            "login.password: must be a string, not a number",
            "greetings.matchgreeting: is 3145736 bytes long",
        ] {
            assert_eq!(
                stderr.matches(key).count(),
                1,
                "{binary} names {key} once:\n{stderr}"
            );
        }
        assert!(stderr.contains("has 4 problems"), "{binary}:\n{stderr}");
        for secret in ["98765432101", "misplaced-token-secret"] {
            assert!(
                !stderr.contains(secret),
                "{binary} printed a secret:\n{stderr}"
            );
        }
    }
}

/// `matchbot migrate` reads only `dbinfo`: docker compose runs it without the workers' wiki
/// password, which it never uses, and it must still set the database up. A mistake in
/// `dbinfo` itself is still refused.
#[tokio::test]
async fn migrate_needs_only_the_database_settings() {
    let run = Run::new("config-migrate-db-only", |c| {
        c["login"]
            .as_object_mut()
            .expect("a login section")
            .remove("password");
        c["greetings"] = json!("not what the workers need");
    });
    let out = run.command("matchbot", &["check-config"]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "the workers' settings are refused"
    );
    let out = run.ok("matchbot", &["migrate"]).await;
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&run.db_name), "{said}");
    let tables = run.query("SHOW TABLES LIKE 'matches'").await;
    assert_eq!(tables.len(), 1, "migrate made the matches table");

    run.adjust(|c| c["dbinfo"]["prot"] = json!(3306));
    let out = run.command("matchbot", &["migrate"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("dbinfo.prot: unknown setting"), "{stderr}");
    assert!(!stderr.contains("login.password"), "{stderr}");
}

/// Docker mounts a missing `./config.json` as an empty directory: every binary says so, and
/// how to make the file, rather than that `config.json/config.json` cannot be read.
#[tokio::test]
async fn a_directory_without_config_json_is_named_with_the_fix() {
    let dir =
        std::env::temp_dir().join(format!("matchbot-test-empty-config-{}", std::process::id()));
    let mounted = dir.join("config.json");
    std::fs::create_dir_all(&mounted).expect("make the directory Docker would make");
    for (binary, args) in [
        ("matchbot", ["migrate"].as_slice()),
        ("matchbot", &["check-config"]),
        ("matchbot-scanner", &["--once"]),
        ("matchbot-notifier", &["--once"]),
    ] {
        let out = tokio::process::Command::new(harness::bin(binary))
            .arg("--config")
            .arg(&mounted)
            .args(args)
            .output()
            .await
            .expect("the binary starts");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{binary}:\n{stderr}");
        assert!(
            stderr.contains(&format!("{} is a directory", mounted.display()))
                && stderr.contains("cp config.example.json config.json"),
            "{binary}:\n{stderr}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
