//! Push intake on the sandbox's real MediaWiki: its RCFeed (core's UDP engine with the JSON
//! formatter, set up by `scripts/sandbox up`) wakes the scanner, which then polls at once. With
//! the heartbeat poll an hour away, the idle workers send the wiki nothing at all, and a
//! learner's request is still greeted within seconds.

use std::time::{Duration, Instant};

use harness::proxy::CountingProxy;
use harness::{Run, WIKI, Wiki};
use serde_json::json;

const WRITING: &str = "Category:Co-op/Requests/Writing";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";

#[tokio::test]
async fn the_wikis_rcfeed_wakes_the_scanner_and_idle_workers_ask_nothing() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("push-rcfeed", &wiki).await;
    let proxy = CountingProxy::start(&harness::api_url()).await;
    run.use_own_categories();
    run.adjust(|c| {
        c["login"]["site"] = json!(proxy.site);
        c["scanner"]["push"] =
            json!({ "rcfeed": "udp://127.0.0.1:9390", "heartbeat_seconds": 3600 });
    });
    let (writing, mentors) = (run.category(WRITING), run.category(WRITING_MENTORS));
    wiki.edit_as("Ada", &run.profile("Ada"), &format!("[[{mentors}]]"))
        .await;
    wiki.wait_for_jobs().await;
    let workers = run.spawn_pipeline();
    run.wait_until("the first reconcile", Duration::from_secs(60), || async {
        workers[0].log().contains("\"reconciled\"")
    })
    .await;
    // The first reconcile's own poll, and its follow-ups, are over.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let idle_from = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    // Nor does an idle notifier look at the kill switch (every second in the tests) while
    // there is nothing to post.
    let asked: Vec<String> = proxy.since(idle_from).iter().map(|r| r.kind()).collect();
    assert!(
        asked.is_empty(),
        "idle, with a feed, the workers ask the wiki nothing: {asked:?}"
    );

    let tagged = Instant::now();
    wiki.edit_as("Ken", &run.profile("Ken"), &format!("Hi! [[{writing}]]"))
        .await;
    let text = wiki
        .text_once_there(&run.talk_page("Ken"), Duration::from_secs(30))
        .await;
    println!("tag to greeting with the RCFeed: {:?}", tagged.elapsed());
    assert!(text.contains("[[User:Ada|Ada]]"), "{text}");
    let scanner = &workers[0];
    assert!(
        scanner.log().contains("hearing the wiki's RCFeed"),
        "{}",
        scanner.log()
    );
    for worker in workers {
        worker.stop().await;
    }
}
