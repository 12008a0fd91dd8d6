//! Secrets never reach a log line or an error message: every binary runs with the most verbose
//! logging (`RUST_LOG=trace`, every crate) through login, edits, lost sessions, stale tokens,
//! 503s and wrong credentials, and all of its output is searched for every password, token,
//! session cookie and the Redis key prefix.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use harness::fake_wiki::{Clock, FakeWiki, Fault};
use harness::services::OwnRedis;
use harness::{Run, bin};
use mysql_async::prelude::Queryable;
use serde_json::json;

const BOT_PASSWORD: &str = "botpasswordsecretabcdefghijk0123";
const OAUTH_TOKEN: &str = "oauth2-access-token-secret-f00dfeed";
const REDIS_PASSWORD: &str = "redis-password-secret-8c1e";
const DB_PASSWORD: &str = "db-password-secret-47b2";
const PREFIX: &str = "prefix-secret-6d0a:";
const MEDIA: &str = "Category:Co-op/Requests/Images and media";

/// Runs `binary` with `args`, every log level on, and returns stdout and stderr together.
async fn output_of(dir: &Path, binary: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let child = tokio::process::Command::new(bin(binary))
        .arg("--config")
        .arg(dir)
        .args(args)
        .env("RUST_LOG", "trace")
        .env_remove("MATCHBOT_CONSUMER")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    // A worker facing wrong credentials may wait them out; what it said until then counts.
    let Output { stdout, stderr, .. } =
        match tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await {
            Ok(out) => out.expect("binary runs"),
            Err(_) => panic!("{binary} {args:?} did not finish within 20 s"),
        };
    format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    )
}

/// The output of a notifier, every log level on, whose decisions stream is deleted while it
/// waits on it.
async fn stream_lost_under(dir: &Path, run: &Run) -> String {
    let child = tokio::process::Command::new(bin("matchbot-notifier"))
        .arg("--config")
        .arg(dir)
        .env("RUST_LOG", "trace")
        .env_remove("MATCHBOT_CONSUMER")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the notifier starts");
    // Its name in the group ends with its process id; it is there once it has read.
    let pid = format!("-{}", child.id().expect("a pid"));
    let mut redis = run.redis().await;
    for _ in 0..150 {
        let consumers: Vec<std::collections::HashMap<String, redis::Value>> = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(run.key("decisions"))
            .arg("notifier")
            .query_async(&mut redis)
            .await
            .unwrap_or_default();
        let reading = consumers.iter().any(|c| {
            c.get("name")
                .and_then(|n| redis::from_redis_value_ref::<String>(n).ok())
                .is_some_and(|n| n.ends_with(&pid))
        });
        if reading {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Now in its blocking read, which the deletion wakes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _: u64 = redis::cmd("UNLINK")
        .arg(run.key("decisions"))
        .query_async(&mut redis)
        .await
        .expect("UNLINK");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(harness::sigterm(&child), "the notifier is running");
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("the notifier stops on SIGTERM")
        .expect("the notifier runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A MariaDB account with a password, allowed into the run's database only.
async fn db_user(database: &str) {
    let pool = mysql_async::Pool::new("mysql://root@127.0.0.1:3306/");
    let mut conn = pool.get_conn().await.expect("connect to MariaDB as root");
    for sql in [
        format!("CREATE USER IF NOT EXISTS 'mbsecret'@'%' IDENTIFIED BY '{DB_PASSWORD}'"),
        format!("CREATE USER IF NOT EXISTS 'mbsecret'@'localhost' IDENTIFIED BY '{DB_PASSWORD}'"),
        format!("GRANT ALL ON `{database}`.* TO 'mbsecret'@'%'"),
        format!("GRANT ALL ON `{database}`.* TO 'mbsecret'@'localhost'"),
    ] {
        conn.query_drop(&sql).await.expect("create the account");
    }
    drop(conn);
    pool.disconnect().await.expect("disconnect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_cookie_or_prefix_appears_in_any_output() {
    let dir = std::env::temp_dir().join(format!("matchbot-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the test directory");
    let redis = OwnRedis::start_with_password(&dir, REDIS_PASSWORD).await;
    let wiki = FakeWiki::start(Clock::Real).await;
    let run = Run::new("secrets", |c| {
        c["login"]["site"] = json!(wiki.site);
        c["login"]["password"] = json!(BOT_PASSWORD);
        c["redis"]["url"] = json!(redis.url());
        c["redis"]["prefix"] = json!(PREFIX);
        c["dbinfo"]["username"] = json!("mbsecret");
        c["dbinfo"]["password"] = json!(DB_PASSWORD);
    });
    db_user(&run.db_name).await;
    wiki.add_bot("MatchBot@matchbot", BOT_PASSWORD);
    wiki.add_oauth_token(OAUTH_TOKEN, "MatchBot");
    wiki.edit("MatchBot", "User:MatchBot/Run", "true");
    wiki.edit(
        "Maintainer",
        &run.profile("Maintainer"),
        "I run this Co-op.",
    );
    for learner in ["Ken", "Lin", "Mo", "Nia"] {
        let profile = run.profile(learner);
        wiki.edit(learner, &profile, &format!("[[{MEDIA}]]"));
        wiki.categorize(&profile, MEDIA);
    }
    wiki.edit("Nia", &run.talk_page("Nia"), "{{nobots}}");
    wiki.protect(&run.talk_page("Mo"));

    let mut output = String::new();
    let d = &run.dir;
    output += &output_of(d, "matchbot", &["check-config"], &[]).await;
    output += &output_of(d, "matchbot", &["migrate"], &[]).await;
    output += &output_of(
        d,
        "matchbot-scanner",
        &["--once", "--since", &run.since],
        &[],
    )
    .await;
    output += &output_of(d, "matchbot-matcher", &["--once"], &[]).await;
    // The notifier meets a lost session, a stale token and a 503 on its way.
    wiki.fail_next(&[Fault::LoseSession]);
    wiki.set_flaky(100);
    output += &output_of(d, "matchbot-notifier", &["--once", "--max-edits", "1"], &[]).await;
    wiki.set_flaky(0);
    wiki.fail_next(&[Fault::StaleToken]);
    output += &output_of(d, "matchbot-notifier", &["--once"], &[]).await;
    output += &output_of(d, "matchbot-recorder", &["--once"], &[]).await;
    output += &output_of(d, "matchbot", &["stream", "export", "outcomes"], &[]).await;
    assert_eq!(run.rows().await.len(), 4, "the run did its work:\n{output}");

    // The same with OAuth 2, and with every credential wrong in turn.
    let oauth = [("MATCHBOT_WIKI_OAUTH2_TOKEN", OAUTH_TOKEN)];
    output += &output_of(
        d,
        "matchbot-scanner",
        &["--once", "--since", &run.since],
        &oauth,
    )
    .await;
    // Each wrong credential must be refused with a message, and the message checked too.
    let wrong_redis = redis.url().replace(REDIS_PASSWORD, "wrong-redis-secret-4");
    let refusals = [
        (
            "matchbot-notifier",
            vec!["--once"],
            ("MATCHBOT_WIKI_OAUTH2_TOKEN", "wrong-oauth-secret-1"),
            "the wiki refused the OAuth 2 token",
        ),
        (
            "matchbot-notifier",
            vec!["--once"],
            ("MATCHBOT_WIKI_PASSWORD", "wrong-bot-password-secret-2"),
            "login as MatchBot@matchbot failed",
        ),
        (
            "matchbot",
            vec!["migrate"],
            ("MATCHBOT_DB_PASSWORD", "wrong-db-password-secret-3"),
            "Access denied",
        ),
        (
            "matchbot",
            vec!["stream", "export", "requests"],
            ("MATCHBOT_REDIS_URL", wrong_redis.as_str()),
            "Password authentication failed",
        ),
        (
            "matchbot",
            vec!["check-config"],
            ("MATCHBOT_SIGNING_KEY", "short-signing-secret-5"),
            "a signing key must be at least 32 characters",
        ),
    ];
    for (binary, args, env, refusal) in refusals {
        let said = output_of(d, binary, &args, &[env]).await;
        assert!(
            said.contains(refusal),
            "{binary} with a wrong {} should say {refusal:?}:\n{said}",
            env.0
        );
        output += &said;
    }

    // A stage whose stream is deleted under its blocked read (evicted, or by a stranger) says
    // so, and makes it again, without naming the key.
    output += &stream_lost_under(d, &run).await;
    assert!(output.contains("made them again"), "{output}");

    assert!(
        output.contains("logged in to the wiki") && output.contains("greeting posted"),
        "the output is the workers' logs:\n{output}"
    );
    let mut secrets: Vec<String> = [
        BOT_PASSWORD,
        OAUTH_TOKEN,
        REDIS_PASSWORD,
        DB_PASSWORD,
        PREFIX,
        "wrong-oauth-secret-1",
        "wrong-bot-password-secret-2",
        "wrong-db-password-secret-3",
        "wrong-redis-secret-4",
        "short-signing-secret-5",
    ]
    .map(str::to_owned)
    .to_vec();
    let signing_key = std::fs::read_to_string(run.dir.join("signing.key")).expect("the key");
    secrets.push(signing_key.trim().to_owned());
    for name in [
        "requests",
        "decisions",
        "outcomes",
        "dead-letter",
        "mentor-pool",
    ] {
        secrets.push(run.key(name));
    }
    let handed_out = wiki.secrets_handed_out();
    assert!(
        handed_out.len() >= 6,
        "session cookies, login and csrf tokens: {handed_out:?}"
    );
    secrets.extend(handed_out);
    let lines = output.lines().count();
    for secret in &secrets {
        let leaks: Vec<&str> = output
            .lines()
            .filter(|l| l.contains(secret.as_str()))
            .collect();
        assert!(
            leaks.is_empty(),
            "{secret} appears in {} of {lines} lines, e.g.:\n{}",
            leaks.len(),
            leaks[0]
        );
    }
    eprintln!(
        "searched {lines} lines ({} bytes) of output for {} secrets",
        output.len(),
        secrets.len()
    );
}
