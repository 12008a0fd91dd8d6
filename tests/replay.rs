//! Stream-replay tests: a recorded `requests` stream (tests/fixtures/replay, exported with
//! `matchbot stream export requests` from the sandbox's Co-op) is put back with
//! `matchbot stream replay` and run through the real matcher, notifier and recorder binaries,
//! against the real Redis and MariaDB and a fake wiki with a stepped clock. The decisions, the
//! edits the wiki received and the rows must equal the golden files byte for byte, on every run
//! and every machine; replaying the fixture again must change nothing.
//!
//! After an intended change of behaviour, `MATCHBOT_BLESS=1 cargo test --test replay` rewrites
//! the golden files; review their diff like code.

use std::path::{Path, PathBuf};

use harness::Run;
use harness::fake_wiki::{Clock, FakeWiki};
use matchbot_model::Timestamp;
use serde_json::{Value, json};

fn fixtures() -> PathBuf {
    fixture_dir("replay")
}

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Compares `actual` with the golden file `name` of the replay fixture, or rewrites it.
fn golden(name: &str, actual: &str) {
    golden_in(&fixtures(), name, actual);
}

/// Compares `actual` with `dir/golden/name`, or rewrites it when blessing.
fn golden_in(dir: &Path, name: &str, actual: &str) {
    let path = dir.join("golden").join(name);
    if std::env::var_os("MATCHBOT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("golden dir")).expect("create golden dir");
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (MATCHBOT_BLESS=1 writes it)",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{name} differs from its golden file {}:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// The wiki the recording was made on, as far as the notifier can see it: its bot, the talk
/// pages that existed before the greetings, and the learners' profiles in their request
/// categories since the recorded times (the notifier checks that each request still stands).
async fn fake_wiki() -> FakeWiki {
    let wiki = FakeWiki::start(Clock::Stepped(
        Timestamp::parse("2026-11-21T15:00:00Z").expect("a timestamp"),
    ))
    .await;
    harness::add_matchbot(&wiki);
    let pages: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("talk-pages.json")).expect("talk-pages.json"),
    )
    .expect("talk-pages.json is JSON");
    for (title, page) in pages.as_object().expect("an object of pages") {
        wiki.edit(
            page["user"].as_str().expect("user"),
            title,
            page["text"].as_str().expect("text"),
        );
    }
    let requests = std::fs::read_to_string(fixtures().join("requests.jsonl")).expect("requests");
    for line in requests.lines() {
        let entry: Value = serde_json::from_str(line).expect("an exported entry");
        let payload = entry["fields"]["payload"].as_str().expect("a payload");
        let request: matchbot_model::Request =
            serde_json::from_str(payload).expect("a recorded request");
        wiki.edit(
            &request.learner.name,
            &request.profile.title,
            "My Co-op profile.",
        );
        wiki.categorize_at(
            &request.profile.title,
            &request.category,
            request.category_added,
        );
    }
    wiki
}

/// Puts the fixture's `mentor-pool.json` where the scanner would have written it.
async fn set_pool(run: &Run, dir: &Path) {
    let pool = std::fs::read_to_string(dir.join("mentor-pool.json")).expect("pool");
    let pool: Value = serde_json::from_str(&pool).expect("mentor-pool.json is JSON");
    run.set_pool(&pool.to_string()).await;
}

async fn replay_and_run(run: &Run) {
    let requests = fixtures().join("requests.jsonl");
    run.ok(
        "matchbot",
        &["stream", "replay", requests.to_str().expect("utf-8 path")],
    )
    .await;
    run.ok("matchbot-matcher", &["--once"]).await;
    run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;
}

fn edits_as_lines(wiki: &FakeWiki) -> String {
    wiki.edits()
        .iter()
        .filter(|e| e.user == "MatchBot")
        .map(|e| {
            let line = json!({
                "title": e.title,
                "revid": e.revid,
                "timestamp": e.timestamp.to_string(),
                "summary": e.summary,
                "text": e.text,
            });
            format!("{line}\n")
        })
        .collect()
}

async fn rows_as_lines(run: &Run) -> String {
    // Every column but the auto-increment id; a greeting that was not posted has the time it
    // was handled as its matchtime, which is the machine's clock, so it reads "-".
    let rows = run
        .query(
            "SELECT CONCAT_WS('\t', request_id, luid, lprofileid, category, muid,
                    IF(outcome = 'posted', DATE_FORMAT(matchtime, '%Y-%m-%d %H:%i:%s'), '-'),
                    DATE_FORMAT(cataddtime, '%Y-%m-%d %H:%i:%s'), IFNULL(revid, 'NULL'),
                    IFNULL(postid, 'NULL'), matchmade,
                    DATE_FORMAT(run_time, '%Y-%m-%d %H:%i:%s'), outcome,
                    IFNULL(outcome_reason, 'NULL'))
             FROM matches ORDER BY request_id",
        )
        .await;
    rows.iter()
        .map(|r| format!("{}\n", r.get::<String, _>(0).expect("one text column")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_stream_gives_the_golden_decisions_edits_and_rows_and_a_second_replay_changes_nothing()
 {
    let wiki = fake_wiki().await;
    let run = Run::new("replay", |config| {
        config["login"]["site"] = json!(wiki.site);
        config["pages"] = json!({ "main": "Wikipedia:Co-op", "talk": "Wikipedia talk:Co-op" });
        config["defaultmentorprofile"] = json!("Wikipedia:Co-op/Maintainer");
    });
    run.migrate().await;
    set_pool(&run, &fixtures()).await;

    replay_and_run(&run).await;
    let decisions = run.export("decisions").await;
    assert_eq!(decisions.len(), 5, "one decision per recorded request");
    let decisions_text: String = decisions.iter().map(|d| format!("{d}\n")).collect();
    golden("decisions.jsonl", &decisions_text);
    let edits = edits_as_lines(&wiki);
    golden("edits.jsonl", &edits);
    let rows = rows_as_lines(&run).await;
    golden("rows.tsv", &rows);
    explain_prints_the_stored_explanation(&run, &decisions).await;
    assert!(
        run.export("dead-letter").await.is_empty(),
        "nothing is dead-lettered"
    );

    replay_and_run(&run).await;
    let again = run.export("decisions").await;
    assert_eq!(
        again[5..],
        decisions[..],
        "the second replay decides exactly as the first"
    );
    assert_eq!(
        edits_as_lines(&wiki),
        edits,
        "the second replay edits nothing"
    );
    assert_eq!(
        rows_as_lines(&run).await,
        rows,
        "the second replay changes no row"
    );
    let outcomes = run.export("outcomes").await;
    let already = outcomes[5..]
        .iter()
        .filter(|o| o.contains("\"already\":true"))
        .count();
    assert_eq!(
        already, 4,
        "the four posted greetings are found by their markers; the skipped one is skipped again"
    );
}

/// `matchbot explain` on a recorded request prints, for a person, what the decision says; with
/// `--json`, exactly the explanation that travelled with the decision. An unknown id is an error
/// that says what to check.
async fn explain_prints_the_stored_explanation(run: &Run, decisions: &[String]) {
    // Mo's request: Bea was chosen at the skill level, and already had one learner.
    let decision: Value = decisions
        .iter()
        .map(|d| serde_json::from_str::<Value>(d).expect("a decision"))
        .find(|d| d["request"]["learner"]["name"] == "Mo")
        .expect("Mo's decision");
    let id = decision["request"]["request_id"].as_str().expect("an id");
    let text = run.ok("matchbot", &["explain", id]).await;
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    golden("explain.txt", &text);
    assert!(text.contains("chosen: Bea (skill level)"), "{text}");

    let json = run.ok("matchbot", &["explain", "--json", id]).await;
    let stored: Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON");
    assert_eq!(stored, decision["explanation"]);

    let unknown = run
        .command(
            "matchbot",
            &["explain", "1-20260101000000-0000000000000000"],
        )
        .await;
    assert!(!unknown.status.success());
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        message.contains("no row for request 1-20260101000000-0000000000000000"),
        "{message}"
    );
}

/// A hand-written fixture (tests/fixtures/matcher) that holds every rule of the policy at once:
/// an opted-out, a blocked, an inactive mentor, one away with a date ahead, one whose date has
/// passed, one away without a date, one of weight 0, caps reached, a learner who is also the
/// only mentor of their skill, and a learner with two requests. Its stream is newest first, as
/// an older scanner wrote it; the matcher decides in request order all the same.
#[tokio::test(flavor = "multi_thread")]
async fn every_matching_rule_decides_the_golden_way_and_again_on_a_second_replay() {
    let dir = fixture_dir("matcher");
    let run = Run::new("matcher-rules", |config| {
        config["matcher"] = json!({
            "seed": 2015,
            "max_active": 2,
            "active_within_days": 60,
            "mentors": {
                "Ada": { "max_active": 3 },
                "Grace": { "max_active": 4 },
                "Cy": { "weight": 0 },
            },
        });
    });
    set_pool(&run, &dir).await;
    let requests = dir.join("requests.jsonl");
    let requests = requests.to_str().expect("utf-8 path");
    run.ok("matchbot", &["stream", "replay", requests]).await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let decisions = run.export("decisions").await;
    assert_eq!(decisions.len(), 14, "one decision per request");
    let text: String = decisions.iter().map(|d| format!("{d}\n")).collect();
    golden_in(&dir, "decisions.jsonl", &text);

    let parsed: Vec<Value> = decisions
        .iter()
        .map(|d| serde_json::from_str(d).expect("a decision"))
        .collect();
    let chosen = |d: &Value| d["mentor"]["name"].as_str().unwrap_or_default().to_owned();
    let mut per_mentor = std::collections::BTreeMap::<String, usize>::new();
    for d in &parsed {
        *per_mentor.entry(chosen(d)).or_default() += 1;
        assert_ne!(
            chosen(d),
            d["request"]["learner"]["name"].as_str().unwrap_or_default()
        );
        for never in ["Olga", "Fay", "Gus", "Cy", "Dee", "Ivy"] {
            assert_ne!(chosen(d), never, "{never} cannot be chosen: {d}");
        }
    }
    assert!(
        per_mentor.get("Ada").copied().unwrap_or(0) <= 3,
        "{per_mentor:?}"
    );
    assert!(
        per_mentor.get("Bea").copied().unwrap_or(0) <= 2,
        "{per_mentor:?}"
    );
    assert!(
        per_mentor.get("Eve").copied().unwrap_or(0) <= 2,
        "{per_mentor:?}"
    );
    let zoe: Vec<String> = parsed
        .iter()
        .filter(|d| d["request"]["learner"]["name"] == "Zoë")
        .map(chosen)
        .collect();
    assert_eq!(zoe.len(), 2);
    assert_ne!(zoe[0], zoe[1], "Zoë's two requests get two mentors");

    run.ok("matchbot", &["stream", "replay", requests]).await;
    run.ok("matchbot-matcher", &["--once"]).await;
    let again = run.export("decisions").await;
    assert_eq!(
        again[14..],
        decisions[..],
        "the second replay decides exactly as the first"
    );
}
