//! A month of mentorship on the real sandbox wiki, with a lifecycle "day" of two seconds: a
//! mentor who answers is never nudged; a silent mentor is nudged, then replaced, and the
//! learner told once; a mentor who opts out has their learner reassigned; a learner who waited
//! with the maintainer is picked up when a mentor joins. Each is checked on the pages and in
//! `match_events`, and running the pipeline again posts nothing more.

use std::time::{Duration, Instant};

use harness::{Run, WIKI, Wiki};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const COMMUNICATION: &str = "Category:Co-op/Requests/Communication";
const TECHNICAL: &str = "Category:Co-op/Requests/Technical editing";
const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const COMMUNICATION_MENTORS: &str = "Category:Co-op mentors with communication skills";
const TECHNICAL_MENTORS: &str = "Category:Co-op mentors with technical editing skills";
const MEDIA_MENTORS: &str = "Category:Co-op mentors with multimedia skills";
const GENERAL_MENTORS: &str = "Category:Co-op mentors with general editing skills";
const OPTED_OUT: &str = "Category:Co-op mentor not taking new requests";

/// The bot's revisions of `title`.
async fn bot_edits(wiki: &Wiki, title: &str) -> usize {
    let revisions = wiki.revisions(title).await;
    revisions
        .iter()
        .filter(|(_, user)| user == "MatchBot")
        .count()
}

/// `user` adds `text` to `title` as a person replying would.
async fn reply(wiki: &Wiki, user: &str, title: &str, text: &str) {
    let before = wiki.text(title).await.unwrap_or_default();
    wiki.edit_as(user, title, &format!("{before}\n\n{text}"))
        .await;
}

/// `(learner, step, event, mentor, from, reason, outcome)` of one recorded event.
type EventFields = (String, String, String, String, String, String, String);

/// `(learner, step, event, mentor, from, reason, outcome)` of every recorded event, in order.
async fn events(run: &Run) -> Vec<EventFields> {
    let rows = run
        .query(
            "SELECT m.learner, e.step, e.event, e.mentor, COALESCE(e.from_name, ''),
                    COALESCE(e.reason, ''), e.outcome
             FROM match_events e JOIN matches m ON m.request_id = e.request_id
             ORDER BY m.learner, e.at, e.id",
        )
        .await;
    rows.into_iter()
        .map(|r| {
            mysql_async::from_row::<(String, String, String, String, String, String, String)>(r)
        })
        .collect()
}

fn of<'a>(
    events: &'a [EventFields],
    learner: &str,
) -> Vec<(&'a str, &'a str, &'a str, &'a str, &'a str)> {
    events
        .iter()
        .filter(|e| e.0 == learner)
        .map(|e| {
            (
                e.2.as_str(),
                e.3.as_str(),
                e.4.as_str(),
                e.5.as_str(),
                e.6.as_str(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_month_of_matches_followed_on_the_real_wiki() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::new("mentorship", |c| {
        c["lifecycle"] = json!({
            "check_seconds": 1,
            "day_seconds": 2,
            "nudge_after_days": 3,
            "rematch_after_days": 6,
            "learner_inactive_days": 1000,
        });
    });
    run.migrate().await;
    wiki.edit_as(
        "Maintainer",
        &run.profile("Maintainer"),
        "I run this Co-op.",
    )
    .await;
    // One mentor per skill, none general yet: who gets whom is certain.
    for (mentor, category) in [
        ("Ada", WRITING_MENTORS),
        ("Sam", COMMUNICATION_MENTORS),
        ("Olga", TECHNICAL_MENTORS),
    ] {
        wiki.edit_as(
            mentor,
            &run.profile(mentor),
            &format!("Mentor. [[{category}]]"),
        )
        .await;
    }
    for (learner, category) in [
        ("Zoë", WRITING),
        ("Ken", COMMUNICATION),
        ("Nia", TECHNICAL),
        ("Lin", MEDIA),
    ] {
        wiki.edit_as(
            learner,
            &run.profile(learner),
            &format!("Help, please. [[{category}]]"),
        )
        .await;
    }
    run.pipeline_once().await;
    let greeted = events(&run).await;
    assert_eq!(
        of(&greeted, "Lin"),
        [("greeted", "Maintainer", "", "", "posted")],
        "{greeted:#?}"
    );
    assert_eq!(of(&greeted, "Ken"), [("greeted", "Sam", "", "", "posted")]);

    // Ada answers Zoë; Olga steps back; Mia joins for images, Grace for anything.
    wiki.edit_as(
        "Ada",
        &run.talk_page("Zoë"),
        "Hello Zoë, happy to help! ~~~~",
    )
    .await;
    wiki.edit_as(
        "Olga",
        &run.profile("Olga"),
        &format!("Taking a step back. [[{TECHNICAL_MENTORS}]] [[{OPTED_OUT}]]"),
    )
    .await;
    wiki.edit_as(
        "Mia",
        &run.profile("Mia"),
        &format!("Pictures. [[{MEDIA_MENTORS}]]"),
    )
    .await;
    wiki.edit_as(
        "Grace",
        &run.profile("Grace"),
        &format!("Anything. [[{GENERAL_MENTORS}]]"),
    )
    .await;

    // Sam stays silent: nudged after 3 "days", replaced after 6. Rounds until both happened.
    // Nia's and Lin's new mentors answer as soon as they are named.
    let started = Instant::now();
    let mut answered = Vec::new();
    loop {
        run.pipeline_once().await;
        let now = events(&run).await;
        for (learner, mentor) in [("Nia", "Grace"), ("Lin", "Mia")] {
            let named = of(&now, learner).iter().any(|e| e.0 == "reassigned");
            if named && !answered.contains(&learner) {
                let hello = format!("Hi {learner}, I'm your mentor now. ~~~~");
                reply(&wiki, mentor, &run.talk_page(learner), &hello).await;
                answered.push(learner);
            }
        }
        if of(&now, "Ken").iter().any(|e| e.0 == "reassigned") && answered.len() == 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "Ken was never reassigned: {now:#?}"
        );
    }
    // And again: everything done stays done once.
    run.pipeline_once().await;
    run.pipeline_once().await;

    let all = events(&run).await;
    assert_eq!(
        of(&all, "Zoë"),
        [
            ("greeted", "Ada", "", "", "posted"),
            ("contacted", "Ada", "", "", "noted")
        ],
        "Ada answered: recorded, never nudged"
    );
    assert_eq!(
        of(&all, "Ken"),
        [
            ("greeted", "Sam", "", "", "posted"),
            ("nudged", "Sam", "", "", "posted"),
            ("reassigned", "Grace", "Sam", "silent", "posted"),
        ]
    );
    assert_eq!(
        of(&all, "Nia"),
        [
            ("greeted", "Olga", "", "", "posted"),
            ("reassigned", "Grace", "Olga", "mentor-left", "posted"),
            ("contacted", "Grace", "", "", "noted"),
        ]
    );
    assert_eq!(
        of(&all, "Lin"),
        [
            ("greeted", "Maintainer", "", "", "posted"),
            ("reassigned", "Mia", "Maintainer", "picked-up", "posted"),
            ("contacted", "Mia", "", "", "noted"),
        ]
    );

    // On the wiki: one edit of the bot's per step posted, none twice.
    for learner in ["Zoë", "Ken", "Nia", "Lin"] {
        let posted = of(&all, learner).iter().filter(|e| e.4 == "posted").count();
        assert_eq!(
            bot_edits(&wiki, &run.talk_page(learner)).await,
            posted,
            "{learner}"
        );
    }
    assert_eq!(bot_edits(&wiki, &run.talk_page("Zoë")).await, 1);
    assert_eq!(bot_edits(&wiki, &run.talk_page("Ken")).await, 3);
    let ken = wiki.text(&run.talk_page("Ken")).await.unwrap_or_default();
    assert_eq!(ken.matches("==Checking in==").count(), 1, "{ken}");
    assert!(
        ken.contains("[[User:Sam|Sam]], [[User:Ken|Ken]] asked the Co-op"),
        "{ken}"
    );
    assert_eq!(ken.matches("==A new mentor for you==").count(), 1, "{ken}");
    assert!(
        ken.contains("Your mentor, Sam, has not been able to get in touch. [[User:Grace|Grace]]"),
        "{ken}"
    );
    let nia = wiki.text(&run.talk_page("Nia")).await.unwrap_or_default();
    assert!(
        nia.contains("Your mentor, Olga, has stepped back from mentoring. [[User:Grace|Grace]]"),
        "{nia}"
    );
    let lin_talk = wiki.text(&run.talk_page("Lin")).await.unwrap_or_default();
    assert!(
        lin_talk.contains("[[User:Mia|Mia]] is free now"),
        "{lin_talk}"
    );
    let zoe = wiki.text(&run.talk_page("Zoë")).await.unwrap_or_default();
    assert!(!zoe.contains("Checking in"), "{zoe}");

    // `matches` keeps the original's one row per request, naming the first mentor.
    let rows = run.rows().await;
    assert_eq!(rows.len(), 4, "{rows:#?}");
    let sam = wiki.user_id("Sam").await;
    let ken_id = wiki.user_id("Ken").await;
    let ken_row = rows.iter().find(|r| r.luid == ken_id).expect("Ken's row");
    assert_eq!(ken_row.muid, sam);

    // `matchbot explain` tells the whole story, the new mentor's draw included.
    let out = run.ok("matchbot", &["explain", &ken_row.request_id]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "history:",
        " greeted Sam: posted",
        " nudged Sam: posted — no contact since ",
        " reassigned Sam → Grace (silent): posted — Sam was silent for 6 days",
        "      - Sam: was this learner's mentor for this request",
        "      chosen: Grace (general level)",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }

    // `matchbot report` counts it: three of four pairs in touch, one nudge, three new mentors.
    let out = run.ok("matchbot", &["report"]).await;
    let report = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "Mentor and learner in touch: 3 of 4 (75.0%)",
        "Nudges sent: 1; new mentors: 3 (mentor-left 1, picked-up 1, silent 1)",
        "Waiting with the maintainer at the end: 0",
    ] {
        assert!(report.contains(expected), "{expected:?} not in:\n{report}");
    }
}
