//! The scanner binary, and the pipeline after it, against the fake wiki (with a clock the test
//! moves) and the real Redis and MariaDB: what one account can ask for, what a reconcile hands
//! out again, what a poll costs the wiki, and which greetings count toward a mentor's load.

use harness::Run;
use harness::fake_wiki::{Clock, FakeWiki};
use matchbot_bus::Stream;
use matchbot_model::Timestamp;
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const START: &str = "2026-11-21T15:00:00Z";

/// A fake wiki whose clock starts at [`START`] and moves a second per saved revision, with a
/// Co-op of one writing mentor (Ada); `adjust` may change the run's configuration more.
async fn co_op(name: &str, adjust: impl FnOnce(&mut serde_json::Value)) -> (FakeWiki, Run) {
    let start = Timestamp::parse(START).expect("a time");
    let (wiki, run) = Run::on_fake_wiki(name, Clock::Stepped(start), |c| {
        c["scanner"]["since"] = json!(start.plus_seconds(-3600).to_string());
        adjust(c);
    })
    .await;
    let ada = run.profile("Ada");
    wiki.edit("Ada", &ada, &format!("[[{WRITING_MENTORS}]]"));
    wiki.categorize(&ada, WRITING_MENTORS);
    (wiki, run)
}

/// Lets `seconds` pass on the fake wiki's clock: one saved revision each.
fn let_time_pass(wiki: &FakeWiki, seconds: usize) {
    for i in 0..seconds {
        wiki.edit("Clock", "Wikipedia:Sandbox", &format!("tick {i}"));
    }
}

fn greetings(wiki: &FakeWiki, talk: &str) -> usize {
    wiki.edits()
        .iter()
        .filter(|e| e.user == "MatchBot" && e.title == talk)
        .count()
}

async fn scan_once(run: &Run) -> String {
    let out = run.ok("matchbot-scanner", &["--once"]).await;
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn downstream_once(run: &Run) {
    run.ok("matchbot-matcher", &["--once"]).await;
    run.ok("matchbot-notifier", &["--once"]).await;
    run.ok("matchbot-recorder", &["--once"]).await;
}

/// A decision lost on the way (its stream evicted) leaves the request handed out and without a
/// row: the reconcile after `scanner.reemit_after_seconds` hands it out again and the learner is
/// greeted, once; a reconcile before that does not.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_whose_decision_was_lost_is_handed_out_again_after_the_grace_and_not_before() {
    let (wiki, run) = co_op("reemit", |c| {
        c["scanner"]["reemit_after_seconds"] = json!(300);
    })
    .await;
    let zoe = run.profile("Zoë");
    wiki.edit("Zoë", &zoe, &format!("Teach me. [[{WRITING}]]"));
    wiki.categorize(&zoe, WRITING);
    let talk = run.talk_page("Zoë");

    let log = scan_once(&run).await;
    assert_eq!(log.matches("\"new request\"").count(), 1, "{log}");
    run.ok("matchbot-matcher", &["--once"]).await;
    // The decision is lost before the notifier reads it.
    let bus = run.bus().await;
    let () = redis::cmd("DEL")
        .arg(bus.key(Stream::Decisions.name()))
        .query_async(&mut run.redis().await)
        .await
        .expect("delete the decisions stream");
    downstream_once(&run).await;
    assert!(run.rows().await.is_empty(), "nothing was recorded");

    // Within the grace: the request may still be on its way, and is left alone.
    let_time_pass(&wiki, 200);
    let log = scan_once(&run).await;
    assert_eq!(log.matches("\"new request\"").count(), 0, "{log}");
    downstream_once(&run).await;
    assert_eq!(greetings(&wiki, &talk), 0);
    assert!(run.rows().await.is_empty());

    // Past it: handed out again, decided, greeted and recorded.
    let_time_pass(&wiki, 101);
    let log = scan_once(&run).await;
    assert_eq!(log.matches("\"new request\"").count(), 1, "{log}");
    assert!(log.contains("handing it out again"), "{log}");
    downstream_once(&run).await;
    assert_eq!(greetings(&wiki, &talk), 1);
    let rows = run.rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "posted");

    // Recorded now: no later reconcile hands it out again.
    let_time_pass(&wiki, 400);
    let log = scan_once(&run).await;
    assert_eq!(log.matches("\"new request\"").count(), 0, "{log}");
}

const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const TECHNICAL: &str = "Category:Co-op/Requests/Technical editing";

fn new_requests(log: &str) -> usize {
    log.matches("\"new request\"").count()
}

/// One account taking a request category off and putting it back, on one profile or on a
/// second one it made, asks once per `scanner.request_cooldown_seconds`; and it has at most
/// `scanner.max_open_requests` requests waiting at a time: the next is handed out once one of
/// them is handled.
#[tokio::test(flavor = "multi_thread")]
async fn a_learner_gets_one_request_per_category_per_cooldown_and_a_capped_number_open() {
    let (wiki, run) = co_op("limits", |c| {
        c["scanner"]["request_cooldown_seconds"] = json!(3600);
        c["scanner"]["max_open_requests"] = json!(2);
    })
    .await;
    let zoe = run.profile("Zoë");
    wiki.edit("Zoë", &zoe, "Teach me.");
    wiki.categorize(&zoe, WRITING);
    let log = scan_once(&run).await;
    assert_eq!(new_requests(&log), 1, "{log}");

    // Off and on again, and on a second profile of the same account: no new request.
    wiki.uncategorize(&zoe, WRITING);
    let_time_pass(&wiki, 60);
    wiki.categorize(&zoe, WRITING);
    let second = run.profile("Zoë again");
    wiki.edit("Zoë", &second, "Teach me too.");
    wiki.categorize(&second, WRITING);
    let log = scan_once(&run).await;
    assert_eq!(new_requests(&log), 0, "{log}");
    assert_eq!(log.matches("within the cooldown").count(), 2, "{log}");
    // Nor at any scan after: the refused requests are not looked at again.
    let log = scan_once(&run).await;
    assert_eq!(new_requests(&log), 0, "{log}");

    // A second category is a second request; a third waits while two are open.
    wiki.categorize(&zoe, MEDIA);
    let_time_pass(&wiki, 1);
    wiki.categorize(&zoe, TECHNICAL);
    let log = scan_once(&run).await;
    assert_eq!(new_requests(&log), 1, "{log}");
    assert!(log.contains("the most open requests"), "{log}");
    assert_eq!(run.export("requests").await.len(), 2);

    // Once they are handled (greeted and recorded), the reconcile hands the third out.
    downstream_once(&run).await;
    assert_eq!(run.rows().await.len(), 2);
    let log = scan_once(&run).await;
    assert_eq!(new_requests(&log), 1, "{log}");
    let requests = run.export("requests").await;
    assert_eq!(requests.len(), 3);
    assert!(requests[2].contains(TECHNICAL), "{}", requests[2]);

    // Past the cooldown, the category put back once more is a request again.
    wiki.uncategorize(&zoe, WRITING);
    let_time_pass(&wiki, 3600);
    wiki.categorize(&zoe, WRITING);
    downstream_once(&run).await;
    let log = scan_once(&run).await;
    assert_eq!(new_requests(&log), 1, "{log}");
}

/// How many times each page was asked for by `prop=categories` requests in `log`.
fn category_reads(log: &[harness::fake_wiki::Request]) -> std::collections::BTreeMap<u64, usize> {
    let mut reads = std::collections::BTreeMap::new();
    for request in log {
        if request.params.get("prop").map(String::as_str) != Some("categories") {
            continue;
        }
        let ids = request
            .params
            .get("pageids")
            .map(String::as_str)
            .unwrap_or("");
        for id in ids.split('|').filter_map(|id| id.parse::<u64>().ok()) {
            *reads.entry(id).or_default() += 1;
        }
    }
    reads
}

/// A template edit puts a request category on 1,200 pages that are no profiles, and three
/// learners ask for help in the same minutes. The poll reads the pages' categories 50 to a
/// request, looks up the creators of the three profiles only, and commits every
/// `CHANGES_PER_COMMIT` changes: when the wiki fails in the middle, the poll that resumes reads
/// none of the pages it had committed again.
#[tokio::test(flavor = "multi_thread")]
async fn a_poll_over_many_pages_that_are_no_profiles_costs_little_and_resumes_after_a_failure() {
    use harness::fake_wiki::Fault;
    use std::time::Duration;

    const NOT_PROFILES: usize = 1_200;
    const { assert!(NOT_PROFILES > 2 * matchbot_scanner::CHANGES_PER_COMMIT) };
    let (wiki, run) = co_op("chunks", |_| {}).await;
    let scanner = run.spawn("matchbot-scanner", &[]);
    run.wait_until("the first reconcile", Duration::from_secs(30), || async {
        scanner.log().contains("\"reconciled\"")
    })
    .await;
    let before = wiki.log().len();
    let counted = |kind: &str| wiki.requests().get(kind).copied().unwrap_or(0);
    let (categories_before, creators_before) =
        (counted("query/categories"), counted("query/revisions"));

    let mut not_profiles = Vec::new();
    for i in 0..NOT_PROFILES {
        let title = format!("Wikipedia:Sandbox/Page {i}");
        not_profiles.push(wiki.edit("Vandal", &title, "{{Co-op writing request}}"));
        wiki.categorize(&title, WRITING);
    }
    let mut learners = Vec::new();
    for name in ["Zoë", "Mo", "Lin"] {
        let profile = run.profile(name);
        learners.push(wiki.edit(name, &profile, "Teach me."));
        wiki.categorize(&profile, WRITING);
    }
    // The wiki fails a few requests into the second chunk, long enough to outlast the
    // client's own retries, so the poll itself fails and is done again.
    let pages_per_chunk = matchbot_scanner::CHANGES_PER_COMMIT.div_ceil(50);
    wiki.fail_at(
        "query/categories",
        categories_before + pages_per_chunk + 3,
        &[Fault::Unavailable; 8],
    );
    run.wait_until("the three requests", Duration::from_secs(120), || async {
        run.export("requests").await.len() == 3
    })
    .await;
    let log = scanner.stop().await;
    assert!(wiki.unavailable() >= 6, "the poll failed midway");
    assert!(log.contains("polling the watchlist"), "{log}");

    let requests = &wiki.log()[before..];
    assert_eq!(
        counted("query/revisions") - creators_before,
        3,
        "one creator lookup per profile, none for the other pages"
    );
    assert_eq!(counted("query/categories|revisions"), 0);
    let reads = category_reads(requests);
    // Page ids follow the order the pages were made in. The first chunk holds the oldest
    // changes: these pages, after any change from before that the overlap shows again.
    let first_chunk = matchbot_scanner::CHANGES_PER_COMMIT - 10;
    let read_again: Vec<u64> = reads
        .iter()
        .take(first_chunk)
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        read_again.is_empty(),
        "the committed chunk is read again: {read_again:?}"
    );
    let twice = reads.values().filter(|n| **n > 1).count();
    assert!(
        twice <= matchbot_scanner::CHANGES_PER_COMMIT,
        "only the failed chunk is read again, not {twice} pages"
    );
    assert!(
        counted("query/categories") - categories_before
            <= (NOT_PROFILES + 3).div_ceil(50) + pages_per_chunk + 8 + 2,
        "50 pages a request"
    );
}

/// A greeting that is not posted (the learner's talk page says `{{nobots}}`) does not count
/// toward the mentor's cap; greetings in flight do, so two learners decided together with a
/// cap of 1 get one mentor between them.
#[tokio::test(flavor = "multi_thread")]
async fn a_greeting_not_posted_holds_no_place_in_the_mentor_s_cap() {
    let (wiki, run) = co_op("posted-load", |c| {
        c["matcher"] = json!({ "max_active": 1 });
    })
    .await;
    let ask = |name: &str| {
        let profile = run.profile(name);
        wiki.edit(name, &profile, "Teach me.");
        wiki.categorize(&profile, WRITING);
    };
    wiki.edit("Zoë", &run.talk_page("Zoë"), "{{nobots}}");
    ask("Zoë");
    scan_once(&run).await;
    downstream_once(&run).await;
    let rows = run.rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "skipped", "{rows:?}");

    // Ada's one place is free: Zoë was never greeted. Mo and Lin are decided together, the
    // first taking Ada's place while the greeting is in flight.
    ask("Mo");
    ask("Lin");
    scan_once(&run).await;
    downstream_once(&run).await;
    let greeted_by_ada = ["Mo", "Lin"]
        .iter()
        .filter(|name| {
            wiki.text(&run.talk_page(name))
                .unwrap_or_default()
                .contains("[[User:Ada|Ada]]")
        })
        .count();
    assert_eq!(
        greeted_by_ada, 1,
        "one of them gets Ada, the other the maintainer"
    );
    let rows = run.rows().await;
    assert_eq!(
        rows.iter().filter(|r| r.outcome == "posted").count(),
        2,
        "{rows:?}"
    );
}
