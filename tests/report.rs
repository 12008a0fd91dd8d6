//! `matchbot report` against the real MariaDB: a known set of rows — MatchBot's own, the
//! original MatchBot's (one greeting recorded twice), a dry run and a row outside the period —
//! and the figures the report must give for it, worked out by hand below.

use harness::Run;
use serde_json::{Value, json};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const COMMUNICATION: &str = "Category:Co-op/Requests/Communication";
const OTHER: &str = "Category:Co-op/Requests/Other";

/// One of MatchBot's rows: (request id, profile, category, mentor id, mentor, level, outcome,
/// category added, handled).
type Row = (
    &'static str,
    u64,
    &'static str,
    u64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // Outside the period: counted nowhere.
    ("r0", 30, WRITING, 1, "Ada", "skill", "posted", "2026-10-15 10:00:00", "2026-10-15 10:01:00"),
    // Waits 120 s, 300 s, 600 s and 60 s.
    ("r1", 31, WRITING, 1, "Ada", "skill", "posted", "2026-11-02 10:00:00", "2026-11-02 10:02:00"),
    ("r2", 32, WRITING, 1, "Ada", "skill", "posted", "2026-11-03 10:00:00", "2026-11-03 10:05:00"),
    ("r3", 33, WRITING, 2, "Ken", "general", "posted", "2026-11-04 10:00:00", "2026-11-04 10:10:00"),
    ("r4", 34, WRITING, 9, "Maintainer", "maintainer", "posted", "2026-11-05 10:00:00", "2026-11-05 10:01:00"),
    // Not greeted: no wait.
    ("r5", 35, COMMUNICATION, 3, "Lin", "skill", "skipped", "2026-11-06 10:00:00", "2026-11-06 10:00:09"),
    ("r6", 36, COMMUNICATION, 3, "Lin", "skill", "failed", "2026-11-06 11:00:00", "2026-11-06 11:00:07"),
    // A dry run: counted nowhere but in dry_runs.
    ("r7", 37, COMMUNICATION, 2, "Ken", "general", "dry-run", "2026-11-06 12:00:00", "2026-11-06 12:00:05"),
];

/// The original MatchBot's rows: (profile, category, mentor id, matchmade, category added,
/// handled). Profile 41's greeting was recorded twice, five minutes apart. Waits 1800 s, 3600 s.
#[rustfmt::skip]
const ORIGINAL_ROWS: &[(u64, &str, u64, u8, &str, &str)] = &[
    (41, WRITING, 1, 1, "2026-11-07 10:00:00", "2026-11-07 10:30:00"),
    (41, WRITING, 1, 1, "2026-11-07 10:00:00", "2026-11-07 10:35:00"),
    (42, OTHER, 9, 0, "2026-11-08 10:00:00", "2026-11-08 11:00:00"),
];

async fn known_rows() -> Run {
    let run = Run::new("report", |_| {});
    run.migrate().await;
    for (id, profile, category, muid, mentor, level, outcome, added, handled) in ROWS {
        let matchmade = u8::from(*level != "maintainer");
        run.query(&format!(
            "INSERT INTO matches (request_id, luid, lprofileid, category, muid, matchtime, \
             cataddtime, matchmade, run_time, outcome, learner, mentor, skill, fallback_level, \
             talk_page) VALUES ('{id}', {profile} + 100, {profile}, '{category}', {muid}, \
             '{handled}', '{added}', {matchmade}, '{added}', '{outcome}', 'Learner {profile}', \
             '{mentor}', SUBSTRING_INDEX(LOWER('{category}'), '/', -1), '{level}', \
             'Wikipedia talk:Co-op/Learner {profile}')"
        ))
        .await;
    }
    for (profile, category, muid, matchmade, added, handled) in ORIGINAL_ROWS {
        run.query(&format!(
            "INSERT INTO matches (luid, lprofileid, category, muid, matchtime, cataddtime, \
             revid, matchmade, run_time) VALUES ({profile} + 100, {profile}, '{category}', \
             {muid}, '{handled}', '{added}', 6000 + {profile}, {matchmade}, '{handled}')"
        ))
        .await;
    }
    run
}

const PERIOD: [&str; 4] = ["--from", "2026-11-01", "--to", "2026-11-21"];

#[tokio::test]
async fn the_report_gives_the_figures_of_a_known_data_set() {
    let run = known_rows().await;
    let out = run
        .ok("matchbot", &[&["report", "--json"][..], &PERIOD].concat())
        .await;
    let report: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");

    assert_eq!(report["from"], "2026-11-01T00:00:00Z");
    assert_eq!(report["to"], "2026-11-21T00:00:00Z");
    // r1–r6 and the original's two greetings; r0 is outside, r7 a dry run, one a repeat.
    assert_eq!(report["requests"], 8);
    assert_eq!(report["dry_runs"], 1);
    assert_eq!(report["duplicates"], 1);
    assert_eq!(
        report["outcomes"],
        json!({ "posted": 4, "skipped": 1, "failed": 1, "original": 2 })
    );
    // r4 and the original's profile 42 went to the maintainer.
    assert_eq!(
        report["no_match"],
        json!({ "count": 2, "of": 8, "rate": 0.25 })
    );
    // Of the six rows with a recorded level, r3 (general) and r4 (maintainer).
    assert_eq!(report["fallback"]["count"], 2);
    assert_eq!(report["fallback"]["of"], 6);
    // Greetings waited 60, 120, 300, 600, 1800, 3600 s: ranks 3 and 6 of 6.
    assert_eq!(
        report["request_to_greeting"],
        json!({ "greetings": 6, "median_seconds": 300, "p90_seconds": 3600 })
    );
    assert_eq!(
        report["skills"],
        json!([
            { "skill": "writing", "requests": 5, "skill_level": 2, "general": 1,
              "maintainer": 1, "level_unknown": 1, "greeted": 5 },
            { "skill": "communication", "requests": 2, "skill_level": 2, "general": 0,
              "maintainer": 0, "level_unknown": 0, "greeted": 0 },
            // The original's row names no skill: its category's skill in the configuration.
            { "skill": "general editing skills", "requests": 1, "skill_level": 0, "general": 0,
              "maintainer": 1, "level_unknown": 0, "greeted": 1 },
        ])
    );
    assert_eq!(
        report["mentors"],
        json!([
            { "user_id": 1, "name": "Ada", "requests": 3, "greeted": 3 },
            { "user_id": 3, "name": "Lin", "requests": 2, "greeted": 0 },
            { "user_id": 2, "name": "Ken", "requests": 1, "greeted": 1 },
        ])
    );
}

#[tokio::test]
async fn the_terminal_table_and_the_wikitext_say_the_same() {
    let run = known_rows().await;
    let out = run
        .ok("matchbot", &[&["report"][..], &PERIOD].concat())
        .await;
    let table = String::from_utf8(out.stdout).expect("UTF-8");
    let expected = "\
Requests handled from 2026-11-01 00:00 to 2026-11-21 00:00 (UTC): 8 (posted 4, skipped 1, failed 1, by the original MatchBot 2)
Not counted: 1 dry-run rows, 1 repeated rows of the original MatchBot
No match (handed to the maintainer): 2 of 8 (25.0%)
Fallback (no mentor of the skill asked for): 2 of 6 (33.3%)
Request to greeting: median 5m 00s, 90th percentile 1h 00m (6 greetings)
Matches after their greeting: not followed

Skill                   Requests  Skill mentor  General  Maintainer  Unrecorded  Greeted
writing                        5             2        1           1           1        5
communication                  2             2        0           0           0        0
general editing skills         1             0        0           1           0        1

Mentor  Requests  Greeted
Ada            3        3
Lin            2        0
Ken            1        1
";
    assert_eq!(table, expected);

    let out = run
        .ok(
            "matchbot",
            &[&["report", "--wikitext"][..], &PERIOD].concat(),
        )
        .await;
    let wikitext = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        wikitext.contains("* No match (handed to the maintainer): 2 of 8 (25.0%)\n"),
        "{wikitext}"
    );
    assert!(
        wikitext.contains("|-\n| writing || 5 || 2 || 1 || 1 || 1 || 5\n"),
        "{wikitext}"
    );
    assert!(
        wikitext.contains("|-\n| [[User:Ada|Ada]] || 3 || 3\n"),
        "{wikitext}"
    );
}

#[tokio::test]
async fn a_bad_period_or_a_publish_without_a_page_is_refused_by_name() {
    let run = known_rows().await;
    let out = run
        .command("matchbot", &["report", "--from", "2026-11-31"])
        .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--from \"2026-11-31\" is neither a day"),
        "{stderr}"
    );

    let out = run
        .command(
            "matchbot",
            &[
                &["report"][..],
                &["--from", "2026-11-21", "--to", "2026-11-01"],
            ]
            .concat(),
        )
        .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the period is empty"));

    let out = run.command("matchbot", &["report", "--publish"]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--publish needs report.page in"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing printed when the publish cannot happen"
    );
}

#[tokio::test]
async fn a_period_of_days_beyond_any_calendar_is_refused_as_a_usage_error() {
    let run = Run::new("report-days", |_| {});
    run.migrate().await;
    for days in ["--days=5000000", "--days=0", "--days=-3"] {
        let out = run.command("matchbot", &["report", days]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{days} is a usage error:\n{stderr}"
        );
        assert!(stderr.contains("--days"), "the flag is named: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // The largest period allowed still gives a report.
    run.ok("matchbot", &["report", "--days", "36500"]).await;
}
