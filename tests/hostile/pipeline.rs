//! Through the real binaries: a decision whose edits are answered with no answer, again and
//! again, goes to the dead-letter stream with the reason, and the notifier carries on.

use harness::Run;
use harness::fake_wiki::{Clock, Fault};

const MEDIA: &str = "Category:Co-op/Requests/Images and media";

#[tokio::test]
async fn a_decision_whose_edits_get_no_answer_is_dead_lettered_and_the_next_is_greeted() {
    let (wiki, run) = Run::on_fake_wiki("badanswers", Clock::Real, |_| {}).await;
    for learner in ["Ken", "Lin"] {
        let profile = run.profile(learner);
        wiki.edit(learner, &profile, &format!("Pictures! [[{MEDIA}]]"));
        wiki.categorize(&profile, MEDIA);
    }
    // The first greeting tried meets, every time, a proxy's page instead of an answer.
    wiki.fail_next_edits(&[Fault::NotJson; 3]);

    let started = std::time::Instant::now();
    let logs = run.pipeline_once().await;
    eprintln!("pipeline took {:?}", started.elapsed());

    let dead = run.export("dead-letter").await;
    assert_eq!(dead.len(), 1, "{dead:?}\n{logs:#?}");
    let (given_up, greeted) = if dead[0].contains("\"Ken\"") {
        ("Ken", "Lin")
    } else {
        ("Lin", "Ken")
    };
    assert!(dead[0].contains(&format!("\"{given_up}\"")), "{}", dead[0]);
    let edits = wiki.edits();
    let on = |learner: &str| {
        edits
            .iter()
            .filter(|e| e.title == run.talk_page(learner))
            .count()
    };
    assert_eq!(on(given_up), 0, "{edits:#?}");
    assert_eq!(on(greeted), 1, "the next learner is greeted: {edits:#?}");
    let rows = run.query("SELECT outcome FROM matches").await;
    assert_eq!(rows.len(), 1, "one row, the greeted learner's");
    let notifier = &logs
        .iter()
        .find(|(w, _)| *w == "matchbot-notifier")
        .expect("ran")
        .1;
    assert!(notifier.contains("giving the edit up"), "{notifier}");
}
