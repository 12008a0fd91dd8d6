//! What a stranger on a shared Redis can do, and what it changes: nothing. Toolforge's Redis
//! has no access control, so anyone can list MatchBot's keys and write to them. The real
//! binaries against the fake wiki and the real Redis and MariaDB.

use std::time::Duration;

use harness::fake_wiki::{Clock, FakeWiki};
use harness::{Run, write_signing_key};
use matchbot_bus::{SETTINGS, Stream};
use matchbot_model::{SettingsRevision, Timestamp};
use matchbot_runtime::LiveConfig;
use redis::AsyncCommands;
use serde_json::{Value, json};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const PATIENCE: Duration = Duration::from_secs(30);

/// A Co-op on a fake wiki with one writing mentor, Ada, and `learners` asking for writing help.
async fn co_op(name: &str, learners: &[&str]) -> (FakeWiki, Run) {
    let (wiki, run) = Run::on_fake_wiki(name, Clock::Real, |_| {}).await;
    run.mentor_on(&wiki, "Ada", WRITING_MENTORS);
    for learner in learners {
        run.asks_on(&wiki, learner, WRITING);
    }
    (wiki, run)
}

/// How many edits MatchBot saved on `title`.
fn bot_edits(wiki: &FakeWiki, title: &str) -> usize {
    wiki.edits()
        .iter()
        .filter(|e| e.title == title && e.user == "MatchBot")
        .count()
}

/// Adds an entry with `fields` to `stream` as anyone with the key names could.
async fn forge(run: &Run, stream: &str, fields: &[(&str, &str)]) -> String {
    let mut redis = run.redis().await;
    redis::cmd("XADD")
        .arg(run.key(stream))
        .arg("*")
        .arg(fields)
        .query_async(&mut redis)
        .await
        .expect("XADD")
}

/// The dead-letter stream's entries, as `matchbot dlq list --json` would name them.
async fn dead_letters(run: &Run) -> Vec<matchbot_bus::DeadLetter> {
    run.bus()
        .await
        .dead_letters()
        .await
        .expect("read the dead letters")
}

#[tokio::test]
async fn a_forged_decision_or_outcome_has_no_effect_and_is_dead_lettered_with_its_reason() {
    let (wiki, run) = co_op("forged-entries", &["Ken"]).await;
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let genuine = run.export("decisions").await;
    assert_eq!(genuine.len(), 1, "{genuine:?}");

    // The same decision made out for another learner, whose talk page would get the text:
    // unsigned, signed with a key of the forger's own, and a genuine request's signed entry
    // copied onto the decisions stream.
    let mut victim: Value = serde_json::from_str(&genuine[0]).expect("a decision");
    victim["request"]["learner"]["name"] = json!("Victim");
    victim["request"]["profile"]["title"] = json!(run.profile("Victim"));
    victim["mentor"]["name"] = json!("Forger]] [[Special:Random");
    let victim = victim.to_string();
    forge(&run, "decisions", &[("payload", &victim)]).await;
    let forger = Run::new("forger", |_| {});
    let forged_sig = forger.bus().await.signature(Stream::Decisions, &victim);
    forge(
        &run,
        "decisions",
        &[("payload", &victim), ("sig", &forged_sig)],
    )
    .await;
    let request = run.export("requests").await.remove(0);
    let request_sig = run.bus().await.signature(Stream::Requests, &request);
    forge(
        &run,
        "decisions",
        &[("payload", &request), ("sig", &request_sig)],
    )
    .await;

    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(
        bot_edits(&wiki, &run.talk_page("Ken")),
        1,
        "the genuine greeting"
    );
    assert_eq!(
        bot_edits(&wiki, &run.talk_page("Victim")),
        0,
        "nothing for the forgeries"
    );
    assert_eq!(
        wiki.edits().iter().filter(|e| e.user == "MatchBot").count(),
        1
    );

    // An outcome that would mark a real learner's request handled for good.
    let mut handled: Value =
        serde_json::from_str(&run.export("outcomes").await[0]).expect("an outcome");
    handled["decision"]["request"]["request_id"] = json!("999999-forged");
    forge(&run, "outcomes", &[("payload", &handled.to_string())]).await;
    run.ok("matchbot-recorder", &["--once"]).await;
    let rows = run.rows().await;
    assert_eq!(
        rows.len(),
        1,
        "only the genuine outcome is recorded: {rows:?}"
    );

    let letters = dead_letters(&run).await;
    let reasons: Vec<(&str, &str)> = letters
        .iter()
        .map(|l| (l.stream.as_str(), l.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "decisions",
                "not handled, it carries no signature: MatchBot did not write it"
            ),
            (
                "decisions",
                "not handled, its signature does not verify: it was forged or changed, or signed with a key no longer accepted"
            ),
            (
                "decisions",
                "not handled, its signature does not verify: it was forged or changed, or signed with a key no longer accepted"
            ),
            (
                "outcomes",
                "not handled, it carries no signature: MatchBot did not write it"
            ),
        ]
    );
    let listed = run.ok("matchbot", &["dlq", "list"]).await;
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.matches("not MatchBot's own").count(), 4, "{listed}");
    // A forgery is never put back as genuine, whoever asks.
    let out = run
        .command("matchbot", &["dlq", "retry", &letters[0].id])
        .await;
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is not MatchBot's own"), "{said}");
}

#[tokio::test]
async fn a_forged_mentor_pool_is_not_used() {
    let (_wiki, run) = co_op("forged-pool", &["Ken"]).await;
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    // Overwritten with a pool that sends every learner to the forger.
    let mut pool = run.pool().await;
    for mentors in pool.by_category.values_mut() {
        for mentor in mentors {
            mentor.user.name = "Forger".into();
        }
    }
    let mut redis = run.redis().await;
    let () = redis::cmd("SET")
        .arg(run.pool_key())
        .arg(serde_json::to_string(&pool).expect("a pool"))
        .query_async(&mut redis)
        .await
        .expect("SET");

    let matcher = run.spawn("matchbot-matcher", &[]);
    run.wait_until("the matcher refuses the pool", PATIENCE, || async {
        matcher.log().contains("is not MatchBot's")
    })
    .await;
    matcher.stop().await;
    assert!(
        run.export("decisions").await.is_empty(),
        "nothing decided on it"
    );

    // The scanner's next reconcile writes a genuine one, and the request is decided on that.
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let decisions = run.export("decisions").await;
    assert_eq!(decisions.len(), 1);
    assert!(
        decisions[0].contains("\"name\":\"Ada\""),
        "{}",
        decisions[0]
    );
}

#[tokio::test]
async fn after_a_rotation_what_the_old_key_signed_is_still_handled() {
    let (wiki, run) = co_op("rotation", &["Ken"]).await;
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    // The new key signs; the old one, on the second line, is still accepted.
    let old = std::fs::read_to_string(run.dir.join("signing.key")).expect("the key file");
    write_signing_key(&run.dir, "rotated");
    let new = std::fs::read_to_string(run.dir.join("signing.key")).expect("the key file");
    std::fs::write(run.dir.join("signing.key"), format!("{new}{old}")).expect("rotate");
    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(bot_edits(&wiki, &run.talk_page("Ken")), 1);
    assert!(dead_letters(&run).await.is_empty());

    // Once the old key is retired, what it signed is refused.
    run.asks_on(&wiki, "Zoë", WRITING);
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    // A matcher still on the old key signs with it (and accepts the new one).
    std::fs::write(run.dir.join("signing.key"), format!("{old}{new}")).expect("the old key first");
    run.ok("matchbot-matcher", &["--once"]).await;
    write_signing_key(&run.dir, "rotated");
    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(bot_edits(&wiki, &run.talk_page("Zoë")), 0);
    let letters = dead_letters(&run).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert!(
        letters[0].reason.contains("does not verify"),
        "{}",
        letters[0].reason
    );
}

#[tokio::test]
async fn a_stream_evicted_under_a_running_stage_is_made_again_and_no_key_reaches_the_log() {
    let (wiki, run) = co_op("nogroup", &["Ken"]).await;
    let notifier = run.spawn("matchbot-notifier", &[]);
    run.wait_until("the notifier reads", PATIENCE, || async {
        notifier.log().contains("notifier starting")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut redis = run.redis().await;
    let _: u64 = redis::cmd("UNLINK")
        .arg(run.key("decisions"))
        .query_async(&mut redis)
        .await
        .expect("UNLINK");
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let talk = run.talk_page("Ken");
    for _ in 0..300 {
        if bot_edits(&wiki, &talk) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bot_edits(&wiki, &talk), 1, "{}", notifier.log());
    let log = notifier.stop().await;
    assert!(log.contains("made them again"), "{log}");
    for secret in [run.prefix.as_str(), &run.key("decisions"), &run.namespace()] {
        assert!(!log.contains(secret), "the log shows {secret:?}");
    }
}

#[tokio::test]
async fn a_notifier_told_to_stop_holds_no_decision_so_the_next_one_greets_at_once() {
    let (wiki, run) = co_op("stop-then-restart", &["Ken"]).await;
    run.ok("matchbot-scanner", &["--once", "--since", &run.since])
        .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    wiki.edit("Admin", "User:MatchBot/Run", "false");
    let first = run.spawn("matchbot-notifier", &[]);
    run.wait_until("the notifier waits for the run page", PATIENCE, || async {
        first.log().contains("no edits until it does")
    })
    .await;
    first.kill();

    // The default claim_idle is 300 s: a decision the killed notifier had read would wait
    // that long. The next notifier, run once, greets now.
    wiki.edit("Admin", "User:MatchBot/Run", "true");
    run.ok("matchbot-notifier", &["--once"]).await;
    assert_eq!(bot_edits(&wiki, &run.talk_page("Ken")), 1);
}

#[tokio::test]
async fn settings_a_stranger_writes_to_redis_are_never_applied() {
    let (_wiki, run) = co_op("forged-settings", &[]).await;
    let page = "User:MatchBot/config.json";
    run.adjust(|c| c["settings"] = json!({ "page": page }));
    let config = matchbot_config::Config::load(&run.dir).expect("the run's configuration");
    let bus = run.bus().await;
    let revision = |number: u64, topic: &str| SettingsRevision {
        page: page.into(),
        revision: number,
        user: "Ada".into(),
        saved_at: Timestamp::now(),
        text: json!({ "greetings": { "matchtopic": topic } }).to_string(),
    };
    let mut live = LiveConfig::new(config);
    let mut redis = run.redis().await;
    let forged = serde_json::to_string(&revision(99, "Pwned")).expect("JSON");
    for stored in [forged.clone(), format!("v1:00ff {forged}")] {
        let () = redis.set(run.key(SETTINGS), &stored).await.expect("SET");
        assert!(!live.refresh(&bus).await.expect("Redis answers"));
        assert_eq!(live.revision(), None, "a stranger's settings are not used");
    }

    let mut commit = bus.commit_builder();
    commit
        .set_settings(&revision(7, "Ours"))
        .expect("settings serialise");
    bus.commit(commit).await.expect("commit");
    assert!(live.catch_up(&bus, Some(7)).await.expect("Redis answers"));
    assert_eq!(live.revision(), Some(7));
    assert_eq!(live.config().greetings.match_topic, "Ours");
    // An entry made under the revision in use, or none, needs no read: the forged value
    // written now is not even looked at.
    let () = redis.set(run.key(SETTINGS), &forged).await.expect("SET");
    assert!(!live.catch_up(&bus, Some(7)).await.expect("no read"));
    assert_eq!(live.config().greetings.match_topic, "Ours");
}
