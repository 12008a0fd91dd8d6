//! One deployment, two programmes, on the sandbox's two real MediaWikis: each greets its own
//! learners with its own greetings and mentors, the kill switch of one does not stop the
//! other, and the rows, the report and the status are each programme's own. Each wiki's RCFeed
//! wakes the one scanner, polls an hour apart.

use std::time::Duration;

use harness::{Run, WIKI, WIKI2, Wiki, second_site};
use serde_json::{Value, json};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const SECOND_TOPIC: &str = "Welcome to the second wiki's Co-op!";

#[tokio::test]
async fn two_wikis_from_one_deployment_each_greet_their_own_and_stop_on_their_own() {
    let _wiki_lock = WIKI.lock().await;
    let _wiki2_lock = WIKI2.lock().await;
    let first = Wiki::sandbox().await;
    let second = Wiki::second_sandbox().await;
    let run = Run::with_maintainer("programmes", &first).await;
    let (first_switch, second_switch) = (
        format!("User:MatchBot/Run/{}", run.tag),
        format!("User:MatchBot/Run/{}-second", run.tag),
    );
    run.adjust(|c| {
        c["programmes"] = json!({
            // Each wiki's RCFeed wakes the one scanner, with polls an hour apart.
            "first": {
                "notifier": { "run_page": first_switch },
                "scanner": { "push": {
                    "rcfeed": "udp://127.0.0.1:9390", "wiki": "my_wiki", "heartbeat_seconds": 3600,
                } },
            },
            "second": {
                "login": { "site": second_site() },
                "greetings": {
                    "matchtopic": SECOND_TOPIC,
                    "matchgreeting": "On the second wiki, [[User:{0}|{0}]] helps with \"{1}\".",
                },
                "notifier": { "run_page": second_switch },
                "scanner": { "push": {
                    "rcfeed": "udp://127.0.0.1:9391",
                    "wiki": "matchbot_wiki2",
                    "heartbeat_seconds": 3600,
                } },
            },
        });
    });
    second
        .edit_as(
            "Maintainer",
            &run.profile("Maintainer"),
            "I run this Co-op.",
        )
        .await;
    let mentors = WRITING_MENTORS;
    for (wiki, switch, mentor) in [
        (&first, &first_switch, "Ada"),
        (&second, &second_switch, "Bea"),
    ] {
        wiki.edit_as("Maintainer", switch, "true").await;
        wiki.edit_as(mentor, &run.profile(mentor), &format!("[[{mentors}]]"))
            .await;
        wiki.wait_for_jobs().await;
    }
    let workers = run.spawn_pipeline();

    // Each wiki's learner is greeted there, with that programme's greeting and mentor.
    first
        .edit_as("Ken", &run.profile("Ken"), &format!("Hi! [[{WRITING}]]"))
        .await;
    second
        .edit_as("Lin", &run.profile("Lin"), &format!("Hi! [[{WRITING}]]"))
        .await;
    let within = Duration::from_secs(60);
    let ken = first.text_once_there(&run.talk_page("Ken"), within).await;
    let lin = second.text_once_there(&run.talk_page("Lin"), within).await;
    assert!(
        ken.contains("[[User:Ada|Ada]]") && ken.contains("We have a mentor"),
        "{ken}"
    );
    assert!(
        lin.contains("On the second wiki, [[User:Bea|Bea]] helps with \"writing\".")
            && lin.contains(SECOND_TOPIC),
        "{lin}"
    );
    assert_eq!(first.text(&run.talk_page("Lin")).await, None);
    assert_eq!(second.text(&run.talk_page("Ken")).await, None);

    // The second wiki's kill switch stops its greetings only.
    second
        .edit_as(
            "Maintainer",
            &second_switch,
            "stop: a pause on the second wiki",
        )
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    second
        .edit_as("Mo", &run.profile("Mo"), &format!("Hi! [[{WRITING}]]"))
        .await;
    first
        .edit_as("Nia", &run.profile("Nia"), &format!("Hi! [[{WRITING}]]"))
        .await;
    let nia = first.text_once_there(&run.talk_page("Nia"), within).await;
    assert!(nia.contains("[[User:Ada|Ada]]"), "{nia}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        second.text(&run.talk_page("Mo")).await,
        None,
        "the second wiki's kill switch is off"
    );

    // The rows name their programme; a report and the status are per programme.
    let rows = run
        .query(
            "SELECT programme, learner, mentor, request_id FROM matches \
             ORDER BY programme, learner",
        )
        .await;
    let rows: Vec<(String, String, String)> = rows
        .into_iter()
        .map(|r| {
            let (programme, learner, mentor, id): (String, String, String, String) =
                mysql_async::from_row(r);
            let named = if id.starts_with("second/") {
                " (second/…)"
            } else {
                ""
            };
            (programme, format!("{learner}{named}"), mentor)
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("first".into(), "Ken".into(), "Ada".into()),
            ("first".into(), "Nia".into(), "Ada".into()),
            ("second".into(), "Lin (second/…)".into(), "Bea".into()),
        ]
    );
    for (programme, requests) in [("first", 2), ("second", 1)] {
        let out = run
            .ok("matchbot", &["report", "--json", "--programme", programme])
            .await;
        let report: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
        assert_eq!(report["requests"], requests, "{programme}: {report}");
    }
    let status = run.command("matchbot", &["status", "--json"]).await;
    let status: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_eq!(
        status["first"]["kill_switch"]["state"], "running",
        "{status}"
    );
    assert_eq!(
        status["second"]["kill_switch"]["state"], "stopped",
        "{status}"
    );

    // Back on: the learner who asked meanwhile is greeted, nothing lost.
    second.edit_as("Maintainer", &second_switch, "true").await;
    let mo = second.text_once_there(&run.talk_page("Mo"), within).await;
    assert!(mo.contains("[[User:Bea|Bea]]"), "{mo}");
    let logs: Vec<String> = workers.iter().map(|w| w.log()).collect();
    for log in &logs {
        for programme in ["first", "second"] {
            assert!(
                log.contains(&format!("\"programme\":\"{programme}\"")),
                "every worker's log lines name the programme: {log}"
            );
        }
    }
    assert_eq!(
        logs[0].matches("hearing the wiki's RCFeed").count(),
        2,
        "the scanner hears both wikis' feeds: {}",
        logs[0]
    );
    for worker in workers {
        worker.stop().await;
    }
}
