//! What mentors set for themselves on their profiles (the mentor template): their own cap and
//! weight count, the maintainers' entry in `matcher.mentors` decides over them, and a mentor's
//! own cap never raises the Co-op's.

use matchbot_model::OwnSettings;

use super::loads::loaded;
use super::*;

fn setting(max_active: Option<u32>, weight: Option<u32>) -> OwnSettings {
    OwnSettings {
        max_active,
        weight,
        note: None,
    }
}

fn with_own(mut p: MentorPool, name: &str, own: OwnSettings) -> MentorPool {
    p.own_settings.insert(name.into(), own);
    p
}

#[test]
fn a_mentors_own_cap_and_weight_count() {
    let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
    let mut history = History::new();
    loaded(&mut history, 10, 1);
    let capped = with_own(p.clone(), "Ada", setting(Some(1), None));
    let r = request(user("Zoë", 50), WRITING, 500);
    let d = policy().decide(&r, &capped, &history).unwrap();
    assert_eq!(d.mentor.name, "Bea");
    assert_eq!(reasons(&d, "Ada"), [Reason::AtCapacity { load: 1, cap: 1 }]);

    let resting = with_own(p, "Ada", setting(None, Some(0)));
    let d = policy().decide(&r, &resting, &history).unwrap();
    assert_eq!(reasons(&d, "Ada"), [Reason::WeightZero]);
}

#[test]
fn the_maintainers_entry_decides_over_the_mentors_own() {
    let p = with_own(
        pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]),
        "Ada",
        setting(Some(1), Some(0)),
    );
    let mut history = History::new();
    loaded(&mut history, 10, 1);
    let named = with(|s| {
        s.mentors.insert(
            "Ada".into(),
            MentorSettings {
                weight: 1,
                max_active: None,
            },
        );
    });
    let r = request(user("Zoë", 50), WRITING, 500);
    let d = named.decide(&r, &p, &history).unwrap();
    assert!(reasons(&d, "Ada").is_empty(), "{:?}", reasons(&d, "Ada"));
}

#[test]
fn a_mentors_own_cap_lowers_the_coops_but_never_raises_it() {
    let p = with_own(
        pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]),
        "Ada",
        setting(Some(9), None),
    );
    let mut history = History::new();
    loaded(&mut history, 10, 2);
    let coop = with(|s| s.max_active = Some(2));
    let r = request(user("Zoë", 50), WRITING, 500);
    let d = coop.decide(&r, &p, &history).unwrap();
    assert_eq!(reasons(&d, "Ada"), [Reason::AtCapacity { load: 2, cap: 2 }]);
}
