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
