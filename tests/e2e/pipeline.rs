//! A learner's request, from the profile edit to the greeting on the talk page and the row in
//! MySQL, through scanner, matcher, notifier and recorder.

use harness::{Row, Run, WIKI, Wiki};

const WRITING: &str = "Category:Co-op/Requests/Writing";
const MEDIA: &str = "Category:Co-op/Requests/Images and media";
const BEST_PRACTICES: &str = "Category:Co-op/Requests/Best practices";
const TECHNICAL: &str = "Category:Co-op/Requests/Technical editing";
const COMMUNICATION: &str = "Category:Co-op/Requests/Communication";
const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
const GENERAL_MENTORS: &str = "Category:Co-op mentors with general editing skills";
const OPTED_OUT: &str = "Category:Co-op mentor not taking new requests";

fn row_for<'a>(rows: &'a [Row], profile_id: u64, category: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.lprofileid == profile_id && r.category == category)
        .unwrap_or_else(|| panic!("no row for profile {profile_id} in {category}: {rows:#?}"))
}

/// MatchBot's own edits on a page.
async fn bot_revisions(wiki: &Wiki, title: &str) -> Vec<u64> {
    wiki.revisions(title)
        .await
        .into_iter()
        .filter(|(_, user)| user == "MatchBot")
        .map(|(id, _)| id)
        .collect()
}

#[tokio::test]
async fn requests_are_greeted_by_the_right_mentor_and_recorded_once() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("pipeline", &wiki).await;

    // The Co-op: two writing mentors, one of them on a break, a general mentor.
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Writing mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    wiki.edit_as(
        "Bea",
        &run.profile("Bea"),
        &format!("Writing mentor. [[{WRITING_MENTORS}]]"),
    )
    .await;
    wiki.edit_as(
        "Olga",
        &run.profile("Olga"),
        &format!("On a break. [[{WRITING_MENTORS}]] [[{OPTED_OUT}]]"),
    )
    .await;
    wiki.edit_as(
        "Grace",
        &run.profile("Grace"),
        &format!("Anything. [[{GENERAL_MENTORS}]]"),
    )
    .await;

    // Learners. Zoë has a talk page already; Nia and Lin keep bots away.
    wiki.edit_as("Zoë", &run.talk_page("Zoë"), "An older conversation.\n")
        .await;
    wiki.edit_as(
        "Zoë",
        &run.profile("Zoë"),
        &format!("I want to write. [[{WRITING}]]"),
    )
    .await;
    wiki.edit_as(
        "Ken",
        &run.profile("Ken"),
        &format!("Pictures! [[{MEDIA}]]"),
    )
    .await;
    wiki.edit_as("Nia", &run.talk_page("Nia"), "{{nobots}}")
        .await;
    wiki.edit_as(
        "Nia",
        &run.profile("Nia"),
        &format!("Help. [[{BEST_PRACTICES}]]"),
    )
    .await;
    wiki.edit_as(
        "Lin",
        &run.talk_page("Lin"),
        "{{bots|deny=SineBot,MatchBot}}",
    )
    .await;
    wiki.edit_as(
        "Lin",
        &run.profile("Lin"),
        &format!("Tables. [[{TECHNICAL}]]"),
    )
    .await;
    // Ada mentors writing and now asks for writing help herself.
    wiki.edit_as(
        "Ada",
        &run.profile("Ada"),
        &format!("Writing mentor, and learner. [[{WRITING_MENTORS}]] [[{WRITING}]]"),
    )
    .await;
    // Not a profile: a page beside the Co-op, not under it.
    wiki.edit_as(
        "Mo",
        &format!("{}-elsewhere/Mo", run.main),
        &format!("[[{WRITING}]]"),
    )
    .await;

    run.pipeline_once().await;

    let ada = wiki.user_id("Ada").await;
    let bea = wiki.user_id("Bea").await;
    let grace = wiki.user_id("Grace").await;

    // Zoë: a writing mentor, never Olga; her old text kept; one greeting, with its marker.
    let zoe_talk = wiki
        .text(&run.talk_page("Zoë"))
        .await
        .expect("Zoë's talk page");
    assert!(
        zoe_talk.starts_with("An older conversation."),
        "old text lost:\n{zoe_talk}"
    );
    assert!(
        zoe_talk.contains("[[User:Ada|Ada]] offers mentoring in \"writing\"")
            || zoe_talk.contains("[[User:Bea|Bea]] offers mentoring in \"writing\""),
        "Zoë's greeting names no writing mentor:\n{zoe_talk}"
    );
    assert!(zoe_talk.contains("Hello, [[User:Zoë|Zoë]]!"), "{zoe_talk}");
    assert_eq!(
        zoe_talk.matches("<!-- matchbot request=").count(),
        1,
        "{zoe_talk}"
    );

    // Ken: nobody offers images and media, so the general mentor, named for their own skill.
    let ken_talk = wiki
        .text(&run.talk_page("Ken"))
        .await
        .expect("Ken's talk page created");
    assert!(
        ken_talk.contains("[[User:Grace|Grace]] offers mentoring in \"general editing skills\""),
        "{ken_talk}"
    );
    assert!(
        !ken_talk.contains("images and media"),
        "the greeting claims a skill Grace does not offer:\n{ken_talk}"
    );

    // Ada, a writing mentor asking for writing help, gets Bea: never herself, never Olga.
    let ada_talk = wiki
        .text(&run.talk_page("Ada"))
        .await
        .expect("Ada's talk page");
    assert!(
        ada_talk.contains("[[User:Bea|Bea]]"),
        "Ada was not matched with Bea:\n{ada_talk}"
    );

    // Excluded pages: not touched.
    assert_eq!(
        wiki.text(&run.talk_page("Nia")).await.as_deref(),
        Some("{{nobots}}")
    );
    assert_eq!(
        wiki.text(&run.talk_page("Lin")).await.as_deref(),
        Some("{{bots|deny=SineBot,MatchBot}}")
    );
    assert!(
        wiki.text(&format!("{}-elsewhere/Mo", run.talk))
            .await
            .is_none()
    );

    // The opted-out mentor is named nowhere.
    for learner in ["Zoë", "Ken", "Ada"] {
        let text = wiki.text(&run.talk_page(learner)).await.unwrap_or_default();
        assert!(
            !text.contains("User:Olga"),
            "Olga opted out but was named to {learner}"
        );
    }

    // One row per request, with the original columns' meaning.
    let rows = run.rows().await;
    assert_eq!(rows.len(), 5, "{rows:#?}");
    let check_row = |row: &Row, learner: u64, mentor: Option<u64>, outcome: &str| {
        assert_eq!(row.luid, learner, "{row:?}");
        if let Some(mentor) = mentor {
            assert_eq!(row.muid, mentor, "{row:?}");
        }
        assert_eq!(row.matchmade, 1, "{row:?}");
        assert_eq!(row.outcome, outcome, "{row:?}");
    };
    let zoe_profile = wiki.page_id(&run.profile("Zoë")).await;
    let zoe = row_for(&rows, zoe_profile, WRITING);
    check_row(zoe, wiki.user_id("Zoë").await, None, "posted");
    assert!(zoe.muid == ada || zoe.muid == bea, "{zoe:?}");
    assert_eq!(
        zoe.cataddtime,
        wiki.category_added(&run.profile("Zoë"), WRITING).await
    );
    assert_eq!(
        zoe.revid,
        bot_revisions(&wiki, &run.talk_page("Zoë"))
            .await
            .first()
            .copied(),
        "revid is the greeting's revision"
    );
    let ken_profile = wiki.page_id(&run.profile("Ken")).await;
    let ken = row_for(&rows, ken_profile, MEDIA);
    check_row(ken, wiki.user_id("Ken").await, Some(grace), "posted");
    assert_eq!(
        ken.cataddtime,
        wiki.category_added(&run.profile("Ken"), MEDIA).await
    );
    assert_eq!(
        ken.revid,
        bot_revisions(&wiki, &run.talk_page("Ken"))
            .await
            .first()
            .copied()
    );
    let ada_profile = wiki.page_id(&run.profile("Ada")).await;
    check_row(
        row_for(&rows, ada_profile, WRITING),
        ada,
        Some(bea),
        "posted",
    );
    let nia_profile = wiki.page_id(&run.profile("Nia")).await;
    let nia = row_for(&rows, nia_profile, BEST_PRACTICES);
    check_row(nia, wiki.user_id("Nia").await, Some(grace), "skipped");
    assert_eq!(nia.revid, None);
    let lin_profile = wiki.page_id(&run.profile("Lin")).await;
    check_row(
        row_for(&rows, lin_profile, TECHNICAL),
        wiki.user_id("Lin").await,
        None,
        "skipped",
    );

    // Running everything again posts nothing and writes no row.
    let talk_pages = ["Zoë", "Ken", "Ada", "Nia", "Lin"].map(|l| run.talk_page(l));
    let mut edits_before = Vec::new();
    for t in &talk_pages {
        edits_before.push(wiki.revisions(t).await);
    }
    run.pipeline_once().await;
    // Even with every Redis key lost (a flushed or evicted Redis), the markers on the talk pages
    // and the unique request ids keep it to one greeting and one row per request.
    run.lose_redis().await;
    run.pipeline_once().await;
    for (t, before) in talk_pages.iter().zip(&edits_before) {
        assert_eq!(&wiki.revisions(t).await, before, "{t} was edited again");
    }
    assert_eq!(run.rows().await, rows, "rows changed on a second run");
}

#[tokio::test]
async fn with_nobody_free_the_maintainer_is_named_and_no_match_recorded() {
    let _wiki_lock = WIKI.lock().await;
    let wiki = Wiki::sandbox().await;
    let run = Run::with_maintainer("maintainer", &wiki).await;
    wiki.edit_as(
        "Mo",
        &run.profile("Mo"),
        &format!("Talking to people? [[{COMMUNICATION}]]"),
    )
    .await;

    run.pipeline_once().await;

    let talk = wiki
        .text(&run.talk_page("Mo"))
        .await
        .expect("Mo's talk page");
    assert!(talk.contains("==Welcome to the Co-op!=="), "{talk}");
    assert!(
        talk.contains("[[User:Maintainer|Maintainer]] will be in touch with you"),
        "{talk}"
    );
    let rows = run.rows().await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let row = &rows[0];
    assert_eq!(row.matchmade, 0);
    assert_eq!(row.muid, wiki.user_id("Maintainer").await);
    assert_eq!(row.luid, wiki.user_id("Mo").await);
    assert_eq!(row.lprofileid, wiki.page_id(&run.profile("Mo")).await);
    assert_eq!(row.category, COMMUNICATION);
    assert_eq!(row.outcome, "posted");
}
