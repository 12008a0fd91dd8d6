//! The do-not-contact list in the plan: a listed learner is skipped, for a greeting or a step.

use super::*;

#[test]
fn a_learner_on_the_do_not_contact_list_is_skipped_naming_the_list() {
    let mut config = config();
    config.do_not_contact = Some(matchbot_config::DoNotContactConfig {
        page: "User:MatchBot/Do not contact".into(),
    });
    let listed = matchbot_wiki::DoNotContact::parse("* [[User:zoë]]");
    let page = page("");
    let mut read = Read::new(&page, Some(added()));
    read.do_not_contact = Some(&listed);
    let (verdict, _) = follow(&config, &mut read, false, (false, None, ""));
    let Verdict::Skip { reason } = &verdict else {
        panic!("expected a skip, got {verdict:?}");
    };
    assert_eq!(
        reason,
        "on the do-not-contact list: Zoë is listed on User:MatchBot/Do not contact"
    );
    assert!(skip_is_notable(reason));

    // A nudge on the learner's page goes through the same check.
    let mut nudge = decision();
    nudge.step = Some(matchbot_model::Step {
        id: "nudge-1".into(),
        at: added(),
        action: matchbot_model::Action::Nudge {
            silent_since: added(),
        },
    });
    let verdict = next(&config, &nudge, &read, false);
    assert!(
        matches!(&verdict, Step::Decided(Verdict::Skip { reason }) if reason.starts_with("on the do-not-contact list: Zoë")),
        "{verdict:?}"
    );

    let others = matchbot_wiki::DoNotContact::parse("Ada");
    read.do_not_contact = Some(&others);
    let (verdict, _) = follow(&config, &mut read, false, (false, None, ""));
    assert!(matches!(verdict, Verdict::Post { .. }), "{verdict:?}");
}

#[test]
fn only_skips_by_bots_or_the_list_are_notable() {
    assert!(skip_is_notable("the page carries {{nobots}}"));
    assert!(!skip_is_notable(
        "request withdrawn: Category:X is no longer on P"
    ));
    assert!(!skip_is_notable(
        "request superseded: Category:X was taken off P"
    ));
}
