//! The request budget, counted where it is spent: every request MatchBot's four workers send
//! the real MediaWiki goes through a counting proxy. An idle poll must be one request; a match
//! at most three, with logging in, tokens and the run page amortised (the original spent 18
//! per idle run and 4–6 per learner).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use harness::proxy::{CountingProxy, Passed};
use harness::{Run, WIKI, Wiki};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const LEARNERS: [&str; 5] = ["Ken", "Lin", "Mo", "Nia", "Zoë"];

/// Requests that are not about any one learner: logging in, tokens, the kill switch.
fn amortised(request: &Passed) -> bool {
    let kind = request.kind();
    kind == "action=login"
        || kind == "meta=tokens"
        || kind == "meta=userinfo"
        || request.params.get("titles").map(String::as_str) == Some("User:MatchBot/Run")
}

fn count_by_kind<'a>(requests: impl Iterator<Item = &'a Passed>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for r in requests {
        *counts.entry(r.kind()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn an_idle_poll_is_one_request_and_a_match_at_most_three() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("budget", &wiki).await;
    let proxy = CountingProxy::start(&harness::api_url()).await;
    run.use_own_categories();
    // A settings page costs nothing while it stays as it is: the poll shows its edits.
    let settings = format!("User:MatchBot/budget-{}.json", run.tag);
    wiki.edit_as("MatchBot", &settings, r#"{"matcher": {"max_active": 5}}"#)
        .await;
    run.adjust(|c| {
        c["settings"] = json!({ "page": settings });
        c["login"]["site"] = json!(proxy.site);
        // The defaults, not the tests' quick checks.
        c["notifier"]["run_page_check_seconds"] = json!(60);
    });
    let (writing, mentors) = (run.category(WRITING), run.category(WRITING_MENTORS));
    wiki.edit_as("Ada", &run.profile("Ada"), &format!("[[{mentors}]]"))
        .await;
    let workers = run.spawn_pipeline();
    // Warm up: logged in, reconciled, every change made so far noted by the wiki's job runner,
    // and looked at by a poll.
    run.wait_until("the first reconcile", Duration::from_secs(60), || async {
        workers[0].log().contains("\"reconciled\"")
    })
    .await;
    wiki.wait_for_jobs().await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let idle_from = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_to = Instant::now();
    let idle: Vec<Passed> = proxy
        .since(idle_from)
        .into_iter()
        .filter(|r| r.at < idle_to)
        .collect();
    let idle_counts = count_by_kind(idle.iter());
    println!("idle, 10 s at a 1 s poll: {idle_counts:?}");
    let polls = idle_counts.get("list=watchlist").copied().unwrap_or(0);
    assert!(
        polls >= 5,
        "the scanner polls about once a second: {idle_counts:?}"
    );
    assert_eq!(
        idle.len(),
        polls,
        "while idle, every request is one poll and nothing else: {idle_counts:?}"
    );

    let busy_from = Instant::now();
    for learner in LEARNERS {
        wiki.edit_as(learner, &run.profile(learner), &format!("[[{writing}]]"))
            .await;
    }
    run.wait_until(
        "five greetings recorded",
        Duration::from_secs(90),
        || async { run.rows().await.len() == LEARNERS.len() },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let busy = proxy.since(busy_from);
    let polls = busy.iter().filter(|r| r.kind() == "list=watchlist").count();
    let overhead = busy.iter().filter(|r| amortised(r)).count();
    let per_match: Vec<&Passed> = busy
        .iter()
        .filter(|r| r.kind() != "list=watchlist" && !amortised(r))
        .collect();
    let counts = count_by_kind(per_match.iter().copied());
    println!(
        "{} matches: {polls} polls, {overhead} amortised (login, tokens, run page), {} for the matches: {counts:?}",
        LEARNERS.len(),
        per_match.len()
    );
    assert!(
        per_match.len() <= 3 * LEARNERS.len(),
        "at most 3 requests per match: {counts:?}"
    );
    for learner in LEARNERS {
        let talk = run.talk_page(learner);
        let text = wiki.text(&talk).await.unwrap_or_default();
        assert!(text.contains("[[User:Ada|Ada]]"), "{talk}: {text}");
    }
    for worker in workers {
        worker.stop().await;
    }
}
