//! A month of one match replayed through the real matcher, notifier and recorder binaries on
//! the real Redis and MariaDB, against a fake wiki whose clock steps a day at a time: each day
//! the learner's request goes onto the requests stream again with a checkup built from what
//! `match_events` holds, as the scanner's would be. Nobody answers Ken, so his mentor is nudged
//! and replaced, and the new one nudged in turn; the edits and the rows must
//! equal the golden files, and replaying a day again changes nothing.
//!
//! `MATCHBOT_BLESS=1 cargo test -p matchbot-tests --test integration lifecycle_replay` rewrites
//! `tests/fixtures/lifecycle/golden`; review its diff like code.

use std::collections::BTreeMap;
use std::path::Path;

use harness::Run;
use harness::fake_wiki::{Clock, FakeWiki};
use matchbot_bus::Stream;
use matchbot_model::{
    Checkup, Event, EventKind, Level, PageRef, Request, RequestId, Timestamp, User,
};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const DAY: i64 = 86_400;

fn t0() -> Timestamp {
    Timestamp::parse("2026-11-01T10:00:00Z").expect("a time")
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/lifecycle/golden")
        .join(name);
    if std::env::var_os("MATCHBOT_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let expected =
        std::fs::read_to_string(&path).expect("the golden file (MATCHBOT_BLESS=1 writes it)");
    assert!(
        expected == actual,
        "{name} differs from {}:\n--- golden\n{expected}\n--- now\n{actual}",
        path.display()
    );
}

/// The match's history as `match_events` holds it.
async fn history(run: &Run) -> Vec<Event> {
    let rows = run
        .query(
            "SELECT step, event, DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ'), mentor_id, mentor, level,
                    from_id, from_name, reason, outcome FROM match_events ORDER BY at, id",
        )
        .await;
    rows.into_iter()
        .map(|r| {
            type Fields = (String, String, String, u64, String, String, Option<u64>, Option<String>, Option<String>, String);
            let (step, event, at, mentor_id, mentor, level, from_id, from_name, reason, outcome): Fields =
                mysql_async::from_row(r);
            Event {
                step,
                kind: EventKind::from_name(&event).expect("an event"),
                at: Timestamp::parse(&at).expect("a time"),
                mentor: User { name: mentor, id: mentor_id },
                level: match level.as_str() {
                    "maintainer" => Level::Maintainer,
                    "general" => Level::General,
                    _ => Level::Skill,
                },
                from: from_id.zip(from_name).map(|(id, name)| User { name, id }),
                reason,
                outcome,
            }
        })
        .collect()
}

async fn send(run: &Run, request: &Request) {
    let payload = serde_json::to_string(request).expect("a request serialises");
    run.add_signed(Stream::Requests, &payload).await;
    for worker in ["matchbot-matcher", "matchbot-notifier", "matchbot-recorder"] {
        run.ok(worker, &["--once"]).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_month_of_checkups_through_the_binaries_gives_the_golden_edits_and_rows() {
    let wiki = FakeWiki::start(Clock::Stepped(t0())).await;
    harness::add_matchbot(&wiki);
    let run = Run::new("lifecycle-replay", |config| {
        config["login"]["site"] = json!(wiki.site);
        config["pages"] = json!({ "main": "Wikipedia:Co-op", "talk": "Wikipedia talk:Co-op" });
        config["defaultmentorprofile"] = json!("Wikipedia:Co-op/Maintainer");
        config["lifecycle"] = json!({});
    });
    run.migrate().await;
    let profile = wiki.edit("Ken", "Wikipedia:Co-op/Ken", "My Co-op profile.");
    wiki.categorize_at("Wikipedia:Co-op/Ken", WRITING, t0());
    let mentor = |name: &str, id: u64| json!({"user": {"name": name, "id": id}, "profile": {"id": id + 100, "title": format!("Wikipedia:Co-op/{name}")}});
    run.set_pool(
        &json!({
            "taken_at": "2026-11-01T10:00:00Z",
            "by_category": { WRITING_MENTORS: [mentor("Ada", 5), mentor("Bea", 6)] },
            "general": [], "opted_out": [],
            "maintainer": {"name": "Maintainer", "id": 3}
        })
        .to_string(),
    )
    .await;
    let request = Request {
        request_id: RequestId::new(profile, WRITING, t0()),
        profile: PageRef {
            id: profile,
            title: "Wikipedia:Co-op/Ken".into(),
        },
        category: WRITING.into(),
        category_added: t0(),
        learner: User {
            name: "Ken".into(),
            id: 9,
        },
        scanned_at: t0(),
        checkup: None,
        settings: None,
        learner_facts: None,
    };
    send(&run, &request).await;
    let mut checkup_of_day = BTreeMap::new();
    for day in 1..=30 {
        let at = t0().plus_seconds(day * DAY);
        wiki.set_time(at);
        let checkup = Checkup {
            at,
            contact: None,
            learner_last_edit: Some(at.plus_seconds(-DAY)),
            edits_read_since: Some(at.plus_seconds(-31 * DAY)),
            learner_blocked: false,
            request_added: Some(t0()),
            wish: None,
            history: history(&run).await,
        };
        let mut again = request.clone();
        again.checkup = Some(Box::new(checkup));
        send(&run, &again).await;
        checkup_of_day.insert(day, again);
    }
    let rows: String = history(&run)
        .await
        .iter()
        .map(|e| {
            let from = e
                .from
                .as_ref()
                .map_or(String::new(), |f| format!("{} -> ", f.name));
            format!(
                "{}\t{}\t{}\t{from}{}\t{}\t{}\n",
                e.at,
                e.step,
                e.kind,
                e.mentor.name,
                e.reason.as_deref().unwrap_or("-"),
                e.outcome
            )
        })
        .collect();
    golden("events.tsv", &rows);
    let edits: String = wiki
        .edits()
        .iter()
        .filter(|e| e.user == "MatchBot" && e.title != "User:MatchBot/Run")
        .map(|e| format!("{} {} {}\n", e.timestamp, e.title, e.summary))
        .collect();
    golden("edits.txt", &edits);

    // A day replayed again (its checkup redelivered) posts and records nothing more.
    send(&run, &checkup_of_day[&14]).await;
    send(&run, &checkup_of_day[&28]).await;
    let edits_again: String = wiki
        .edits()
        .iter()
        .filter(|e| e.user == "MatchBot" && e.title != "User:MatchBot/Run")
        .map(|e| format!("{} {} {}\n", e.timestamp, e.title, e.summary))
        .collect();
    assert_eq!(edits_again, edits, "a replayed checkup edits nothing");
    assert_eq!(
        history(&run).await.len(),
        rows.lines().count(),
        "and records nothing"
    );
    assert!(
        run.export("dead-letter").await.is_empty(),
        "nothing is dead-lettered"
    );
}
