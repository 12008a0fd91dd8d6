//! A mentor put on the do-not-contact list while the workers run is passed over from the next
//! poll on, not only from the next reconcile: the scanner watches the list like the settings
//! page and reads it again when the watchlist shows it edited.

use std::time::Duration;

use harness::{Run, WIKI, Wiki};
use serde_json::json;

const COMMUNICATION: &str = "Category:Co-op/Requests/Communication";
const GENERAL_MENTORS: &str = "Category:Co-op mentors with general editing skills";
const PATIENCE: Duration = Duration::from_secs(90);

#[tokio::test]
async fn a_mentor_listed_while_the_workers_run_is_not_chosen_from_the_next_poll_on() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("do-not-contact-live", &wiki).await;
    let list = format!("User:MatchBot/Do not contact/{}", run.tag);
    run.adjust(|c| c["do_not_contact"] = json!({ "page": list }));
    wiki.edit_as("Maintainer", &list, "<!-- nobody yet -->\n")
        .await;
    wiki.edit_as(
        "Grace",
        &run.profile("Grace"),
        &format!("Anything. [[{GENERAL_MENTORS}]]"),
    )
    .await;
    // The default reconcile interval (an hour): only a poll can bring the list's change.
    let workers = run.spawn_pipeline();
    let greeted_by = async |learner: &str| {
        wiki.edit_as(
            learner,
            &run.profile(learner),
            &format!("Talking to people. [[{COMMUNICATION}]]"),
        )
        .await;
        let text = wiki
            .text_once_there(&run.talk_page(learner), PATIENCE)
            .await;
        ["Grace", "Maintainer"]
            .into_iter()
            .find(|m| text.contains(&format!("[[User:{m}|{m}]]")))
            .unwrap_or_else(|| panic!("{learner}'s greeting names nobody: {text}"))
    };
    assert_eq!(greeted_by("Mo").await, "Grace");

    wiki.edit_as(
        "Maintainer",
        &list,
        "<!-- asked on 3 December -->\n* [[User:Grace]]\n",
    )
    .await;
    let scanner = &workers[0];
    run.wait_until("the list read again", PATIENCE, || async {
        scanner.log().contains("read the do-not-contact list again")
    })
    .await;
    assert_eq!(greeted_by("Zoë").await, "Maintainer");
    for worker in workers {
        worker.stop().await;
    }
}
