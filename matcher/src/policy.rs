//! The matching policy: a pure function of a request, a mentor-pool snapshot, the history of
//! earlier assignments and the configuration.
//!
//! Same skill, else general, else the maintainer (DESIGN.md, "Behaviour to keep"). At each level
//! a listed mentor is passed over when they are the learner (the original could match a learner
//! with themself, defect 14), opted out, blocked, away, inactive, weighted 0 or at their cap;
//! a mentor who already mentors this learner for another request is passed over too when
//! someone else is free. The rest are drawn by weight: `uniform` gives each the same chance
//! (the original's rule), `least-loaded` gives each `weight / (1 + load)`.
//!
//! The draw comes from a generator seeded with the configured seed and the request id, and the
//! history counts only requests before this one (see `history`), so deciding the same request
//! again decides the same. Every step is written into the decision's [`Explanation`].

use std::collections::{BTreeMap, BTreeSet};

use matchbot_config::{
    Candidate, Config, Decision, Excluded, Explanation, Level, LevelReport, MatcherConfig, Mentor,
    MentorPool, Reason, Request, Selection, Skill, User,
};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::history::History;

/// What the policy needs from the configuration.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The skills, to find the request category's mentor category and skill name.
    pub skills: Vec<Skill>,
    /// The general mentors' category.
    pub general_category: String,
    /// How a general mentor's skill is named.
    pub general_skill: String,
    /// The `matcher` section: seed, selection, load window, caps, weights.
    pub settings: MatcherConfig,
}

/// Why no decision could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The request's category is not a configured request category (the configuration changed
    /// after the request was found).
    #[error("\"{0}\" is not one of the configured request categories")]
    UnknownCategory(String),
    /// Nobody is free and the maintainer's profile has no known creator.
    #[error("no mentor is free and the maintainer is unknown (is defaultmentorprofile missing?)")]
    NoMaintainer,
}

impl Policy {
    /// The policy `config` describes.
    pub fn new(config: &Config) -> Policy {
        Policy {
            skills: config.skills.clone(),
            general_category: config.general_category.clone(),
            general_skill: config.general_skill.clone(),
            settings: config.matcher.clone(),
        }
    }

    /// Decides who mentors the learner of `request`.
    pub fn decide(
        &self,
        request: &Request,
        pool: &MentorPool,
        history: &History,
    ) -> Result<Decision, PolicyError> {
        let skill = self
            .skills
            .iter()
            .find(|s| s.request_category == request.category)
            .ok_or_else(|| PolicyError::UnknownCategory(request.category.clone()))?;
        let facts = Facts {
            request,
            unavailable: self.unavailable(request, pool),
            already: history.mentors_of_learner(request),
            history,
        };
        let no_one = Vec::new();
        let levels = [
            (
                Level::Skill,
                &skill.mentor_category,
                pool.by_category
                    .get(&skill.mentor_category)
                    .unwrap_or(&no_one),
                &skill.name,
            ),
            (
                Level::General,
                &self.general_category,
                &pool.general,
                &self.general_skill,
            ),
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(self.settings.seed ^ request.request_id.digest());
        let mut reports = Vec::new();
        for (level, category, listed, mentor_skill) in levels {
            let report = self.assess(&facts, level, category, listed);
            let drawn = draw(&report.candidates, &mut rng);
            reports.push(report);
            if let Some((index, point)) = drawn {
                let chosen = reports[reports.len() - 1].candidates[index].mentor.clone();
                let profile = listed
                    .iter()
                    .find(|m| m.user.id == chosen.id)
                    .map(|m| m.profile.clone());
                return Ok(Decision {
                    request: request.clone(),
                    mentor: chosen.clone(),
                    mentor_profile: profile,
                    level,
                    mentor_skill: mentor_skill.clone(),
                    explanation: Some(self.explain(
                        request,
                        pool,
                        reports,
                        level,
                        chosen,
                        Some(point),
                    )),
                });
            }
        }
        let maintainer = pool.maintainer.clone().ok_or(PolicyError::NoMaintainer)?;
        Ok(Decision {
            request: request.clone(),
            mentor: maintainer.clone(),
            mentor_profile: None,
            level: Level::Maintainer,
            mentor_skill: skill.name.clone(),
            explanation: Some(self.explain(
                request,
                pool,
                reports,
                Level::Maintainer,
                maintainer,
                None,
            )),
        })
    }

    /// Why each mentor who cannot take anyone right now is out, whatever the level.
    fn unavailable(&self, request: &Request, pool: &MentorPool) -> BTreeMap<u64, Reason> {
        let mut out = BTreeMap::new();
        // Later entries win: the order is from the least to the most telling reason.
        if let Some(days) = self.settings.active_within_days {
            let oldest = request.scanned_at.plus_seconds(-i64::from(days) * 86_400);
            for (id, last_edit) in &pool.last_edits {
                if *last_edit < oldest {
                    out.insert(
                        *id,
                        Reason::Inactive {
                            last_edit: *last_edit,
                            days,
                        },
                    );
                }
            }
        }
        for away in pool
            .away
            .iter()
            .filter(|a| a.is_away_at(request.scanned_at))
        {
            out.insert(away.mentor.user.id, Reason::Away { until: away.until });
        }
        for user in &pool.blocked {
            out.insert(user.id, Reason::Blocked);
        }
        for mentor in &pool.opted_out {
            out.insert(mentor.user.id, Reason::OptedOut);
        }
        out
    }

    /// Sorts the mentors listed at one level into those excluded and the candidates.
    fn assess(
        &self,
        facts: &Facts<'_>,
        level: Level,
        category: &str,
        listed: &[Mentor],
    ) -> LevelReport {
        let Facts {
            request,
            unavailable,
            already,
            history,
        } = facts;
        let mut people: Vec<&User> = Vec::new();
        let mut seen = BTreeSet::new();
        for mentor in listed {
            // One chance per person, however many profiles they list.
            if seen.insert(mentor.user.id) {
                people.push(&mentor.user);
            }
        }
        let mut excluded = Vec::new();
        let mut candidates = Vec::new();
        for user in &people {
            let settings = self.settings.mentor(&user.name);
            let load = history.load(user.id, request, self.settings.load_days);
            let reason = if is_same_person(user, &request.learner) {
                Some(Reason::IsTheLearner)
            } else if let Some(reason) = unavailable.get(&user.id) {
                Some(reason.clone())
            } else if settings.weight == 0 {
                Some(Reason::WeightZero)
            } else {
                self.settings
                    .cap(&user.name)
                    .filter(|cap| load >= *cap)
                    .map(|cap| Reason::AtCapacity { load, cap })
            };
            match reason {
                Some(reason) => excluded.push(Excluded {
                    mentor: (*user).clone(),
                    reason,
                }),
                None => candidates.push(Candidate {
                    mentor: (*user).clone(),
                    load,
                    base_weight: settings.weight,
                    weight: match self.settings.selection {
                        Selection::Uniform => 1.0,
                        Selection::LeastLoaded => {
                            f64::from(settings.weight) / (1.0 + f64::from(load))
                        }
                    },
                }),
            }
        }
        // A learner with several requests gets several mentors, when there are.
        let mentors_already = |c: &Candidate| already.iter().find(|(id, _)| *id == c.mentor.id);
        if candidates.iter().any(|c| mentors_already(c).is_none()) {
            let (keep, drop): (Vec<Candidate>, Vec<Candidate>) = candidates
                .into_iter()
                .partition(|c| mentors_already(c).is_none());
            for c in drop {
                let category = mentors_already(&c).map_or("", |(_, cat)| cat).to_owned();
                excluded.push(Excluded {
                    mentor: c.mentor,
                    reason: Reason::AlreadyMentorsLearner { category },
                });
            }
            candidates = keep;
        }
        LevelReport {
            level,
            category: category.to_owned(),
            listed: people.len(),
            excluded,
            candidates,
        }
    }

    fn explain(
        &self,
        request: &Request,
        pool: &MentorPool,
        levels: Vec<LevelReport>,
        level: Level,
        chosen: User,
        draw: Option<f64>,
    ) -> Explanation {
        Explanation {
            seed: self.settings.seed,
            selection: self.settings.selection,
            load_days: self.settings.load_days,
            as_of: request.scanned_at,
            pool_taken_at: pool.taken_at,
            levels,
            level,
            chosen,
            draw,
        }
    }
}

/// What is known about one request before its levels are looked at.
struct Facts<'a> {
    request: &'a Request,
    /// Mentors who cannot take anyone now, whatever the level, and why.
    unavailable: BTreeMap<u64, Reason>,
    /// The mentors the learner already got for earlier requests, with those requests' categories.
    already: Vec<(u64, &'a str)>,
    history: &'a History,
}

/// Draws one candidate with probability proportional to its weight; returns its index and the
/// point drawn in `[0, total weight)`. `None` when no candidate has a weight above 0.
fn draw(candidates: &[Candidate], rng: &mut ChaCha8Rng) -> Option<(usize, f64)> {
    let total: f64 = candidates.iter().map(|c| c.weight).sum();
    if candidates.is_empty() || total <= 0.0 {
        return None;
    }
    let point = unit(rand::Rng::next_u64(rng)) * total;
    let mut reached = 0.0;
    for (i, c) in candidates.iter().enumerate() {
        reached += c.weight;
        if point < reached {
            return Some((i, point));
        }
    }
    // Rounding left the point at the very end: it belongs to the last weighted candidate.
    let last = candidates.iter().rposition(|c| c.weight > 0.0)?;
    Some((last, point))
}

/// A number in `[0, 1)` from 64 random bits, the same on every machine and `rand` version.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

fn is_same_person(a: &User, b: &User) -> bool {
    if a.id != 0 && b.id != 0 {
        a.id == b.id
    } else {
        a.name == b.name
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use matchbot_config::{Away, MentorSettings, PageRef, RequestId, Timestamp};

    use super::*;
    use crate::history::History;

    const WRITING: &str = "Category:Co-op/Requests/Writing";
    const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
    const COMMUNICATION: &str = "Category:Co-op/Requests/Communication";
    const COMMUNICATION_MENTORS: &str = "Category:Co-op mentors with communication skills";
    const MEDIA: &str = "Category:Co-op/Requests/Images and media";
    const GENERAL: &str = "Category:Co-op mentors with general editing skills";
    const NOW: &str = "2026-11-21T10:00:00Z";

    fn policy() -> Policy {
        let skill = |name: &str, request: &str, mentors: &str| Skill {
            name: name.into(),
            request_category: request.into(),
            mentor_category: mentors.into(),
        };
        Policy {
            skills: vec![
                skill("writing", WRITING, WRITING_MENTORS),
                skill("communication", COMMUNICATION, COMMUNICATION_MENTORS),
                skill(
                    "images and media",
                    MEDIA,
                    "Category:Co-op mentors with multimedia skills",
                ),
            ],
            general_category: GENERAL.into(),
            general_skill: "general editing skills".into(),
            settings: MatcherConfig {
                seed: 7,
                ..MatcherConfig::default()
            },
        }
    }

    fn with(settings: impl FnOnce(&mut MatcherConfig)) -> Policy {
        let mut p = policy();
        settings(&mut p.settings);
        p
    }

    fn user(name: &str, id: u64) -> User {
        User {
            name: name.into(),
            id,
        }
    }

    fn mentor(name: &str, id: u64) -> Mentor {
        Mentor {
            user: user(name, id),
            profile: PageRef {
                id: id + 1000,
                title: format!("Wikipedia:Co-op/{name}"),
            },
        }
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn request(learner: User, category: &str, page: u64) -> Request {
        request_at(learner, category, page, at(NOW))
    }

    fn request_at(learner: User, category: &str, page: u64, added: Timestamp) -> Request {
        Request {
            request_id: RequestId::new(page, category, added),
            profile: PageRef {
                id: page,
                title: format!("Wikipedia:Co-op/{}", learner.name),
            },
            category: category.into(),
            category_added: added,
            learner,
            scanned_at: at(NOW),
        }
    }

    fn pool(writing: Vec<Mentor>, general: Vec<Mentor>, opted_out: Vec<Mentor>) -> MentorPool {
        MentorPool {
            taken_at: Some(at(NOW)),
            by_category: BTreeMap::from([(WRITING_MENTORS.to_owned(), writing)]),
            general,
            opted_out,
            maintainer: Some(user("Maintainer", 1)),
            ..MentorPool::default()
        }
    }

    fn decide(p: &Policy, r: &Request, pool: &MentorPool) -> Decision {
        p.decide(r, pool, &History::new()).unwrap()
    }

    fn explanation(d: &Decision) -> &Explanation {
        d.explanation.as_ref().unwrap()
    }

    /// The reasons `name` was passed over at any level of `d`.
    fn reasons(d: &Decision, name: &str) -> Vec<Reason> {
        explanation(d)
            .levels
            .iter()
            .flat_map(|l| &l.excluded)
            .filter(|e| e.mentor.name == name)
            .map(|e| e.reason.clone())
            .collect()
    }

    #[test]
    fn a_mentor_of_the_skill_comes_first() {
        let p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
        assert_eq!((d.mentor.name.as_str(), d.level), ("Ada", Level::Skill));
        assert_eq!(d.mentor_skill, "writing");
        assert!(d.matchmade());
        let e = explanation(&d);
        assert_eq!(e.levels.len(), 1, "the general level is not looked at");
        assert_eq!((e.levels[0].listed, e.levels[0].candidates.len()), (1, 1));
        assert_eq!(e.chosen.name, "Ada");
        assert_eq!(e.seed, 7);
    }

    #[test]
    fn no_mentor_of_the_skill_means_a_general_one_named_for_their_own_skill() {
        let p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
        let d = decide(&policy(), &request(user("Ken", 51), MEDIA, 501), &p);
        assert_eq!((d.mentor.name.as_str(), d.level), ("Grace", Level::General));
        assert_eq!(d.mentor_skill, "general editing skills");
        let e = explanation(&d);
        assert_eq!(
            e.levels
                .iter()
                .map(|l| (l.level, l.listed))
                .collect::<Vec<_>>(),
            [(Level::Skill, 0), (Level::General, 1)]
        );
    }

    #[test]
    fn nobody_free_means_the_maintainer_and_no_match() {
        let p = pool(vec![], vec![], vec![]);
        let d = decide(&policy(), &request(user("Ken", 51), WRITING, 501), &p);
        assert_eq!(
            (d.mentor.name.as_str(), d.level),
            ("Maintainer", Level::Maintainer)
        );
        assert!(!d.matchmade());
        assert_eq!(d.mentor_profile, None);
        assert_eq!(explanation(&d).draw, None);
        assert_eq!(explanation(&d).levels.len(), 2);
    }

    #[test]
    fn opted_out_mentors_are_never_chosen() {
        let olga = mentor("Olga", 40);
        let p = pool(vec![olga.clone()], vec![olga.clone()], vec![olga]);
        for page in 0..200 {
            let d = decide(&policy(), &request(user("Zoë", 50), WRITING, page), &p);
            assert_eq!(d.level, Level::Maintainer, "Olga opted out but was chosen");
            assert_eq!(reasons(&d, "Olga"), [Reason::OptedOut, Reason::OptedOut]);
        }
    }

    #[test]
    fn blocked_mentors_are_never_chosen() {
        let mut p = pool(
            vec![mentor("Ada", 10), mentor("Bea", 20)],
            vec![mentor("Ada", 10)],
            vec![],
        );
        p.blocked = vec![user("Bea", 20)];
        for page in 0..200 {
            let d = decide(&policy(), &request(user("Zoë", 50), WRITING, page), &p);
            assert_eq!(d.mentor.name, "Ada", "request {page} went to blocked Bea");
            assert_eq!(reasons(&d, "Bea"), [Reason::Blocked]);
        }
        p.blocked.push(user("Ada", 10));
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 1), &p);
        assert_eq!(d.level, Level::Maintainer);
    }

    #[test]
    fn a_learner_is_never_their_own_mentor() {
        let p = pool(
            vec![mentor("Ada", 10), mentor("Bea", 20)],
            vec![mentor("Ada", 10)],
            vec![],
        );
        for page in 0..200 {
            let d = decide(&policy(), &request(user("Ada", 10), WRITING, page), &p);
            assert_eq!(
                d.mentor.name, "Bea",
                "request {page} matched Ada with herself"
            );
        }
        let only_self = pool(vec![mentor("Ada", 10)], vec![mentor("Ada", 10)], vec![]);
        let d = decide(&policy(), &request(user("Ada", 10), WRITING, 1), &only_self);
        assert_eq!(d.level, Level::Maintainer);
        assert_eq!(
            reasons(&d, "Ada"),
            [Reason::IsTheLearner, Reason::IsTheLearner]
        );
    }

    #[test]
    fn an_away_mentor_is_skipped_until_the_date_they_gave() {
        let mut p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
        p.away = vec![Away::new(mentor("Ada", 10), "2026-12-01")];
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
        assert_eq!(d.mentor.name, "Grace");
        assert_eq!(
            reasons(&d, "Ada"),
            [Reason::Away {
                until: Some(at("2026-12-01T00:00:00Z"))
            }]
        );

        p.away = vec![Away::new(mentor("Ada", 10), "2026-11-20")];
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
        assert_eq!(d.mentor.name, "Ada", "a date gone by means back");

        p.away = vec![Away::new(mentor("Ada", 10), "")];
        let d = decide(&policy(), &request(user("Zoë", 50), WRITING, 500), &p);
        assert_eq!(
            d.mentor.name, "Grace",
            "no date: away until they say otherwise"
        );
        assert_eq!(reasons(&d, "Ada"), [Reason::Away { until: None }]);
    }

    #[test]
    fn an_inactive_mentor_is_skipped_only_when_the_setting_is_on() {
        let mut p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
        p.last_edits = BTreeMap::from([(10, at("2026-10-01T00:00:00Z")), (30, at(NOW))]);
        let r = request(user("Zoë", 50), WRITING, 500);
        assert_eq!(decide(&policy(), &r, &p).mentor.name, "Ada");
        let strict = with(|s| s.active_within_days = Some(30));
        let d = decide(&strict, &r, &p);
        assert_eq!(d.mentor.name, "Grace");
        assert_eq!(
            reasons(&d, "Ada"),
            [Reason::Inactive {
                last_edit: at("2026-10-01T00:00:00Z"),
                days: 30
            }]
        );
    }

    #[test]
    fn a_mentor_of_weight_zero_is_never_assigned_automatically() {
        let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
        let quiet = with(|s| {
            s.mentors.insert(
                "Ada".into(),
                MentorSettings {
                    weight: 0,
                    max_active: None,
                },
            );
        });
        for page in 0..200 {
            let d = decide(&quiet, &request(user("Zoë", 50), WRITING, page), &p);
            assert_eq!(d.mentor.name, "Bea");
            assert_eq!(reasons(&d, "Ada"), [Reason::WeightZero]);
        }
    }

    /// A history in which `mentor` got `n` learners for requests made just before `NOW`.
    fn loaded(history: &mut History, mentor: u64, n: u64) {
        for i in 0..n {
            let place = crate::history::Place::of(&request_at(
                user("Earlier", 900 + i),
                WRITING,
                9000 + mentor * 100 + i,
                at(NOW).plus_seconds(-3600 - i as i64),
            ));
            history.add_load(mentor, place);
        }
    }

    #[test]
    fn a_mentor_at_their_cap_is_passed_over_and_the_cap_can_be_their_own() {
        let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
        let mut history = History::new();
        loaded(&mut history, 10, 2);
        let capped = with(|s| s.max_active = Some(2));
        for page in 0..100 {
            let r = request(user("Zoë", 50), WRITING, page);
            let d = capped.decide(&r, &p, &history).unwrap();
            assert_eq!(d.mentor.name, "Bea");
            assert_eq!(reasons(&d, "Ada"), [Reason::AtCapacity { load: 2, cap: 2 }]);
        }
        let ada_takes_more = with(|s| {
            s.max_active = Some(2);
            s.mentors.insert(
                "Ada".into(),
                MentorSettings {
                    weight: 1,
                    max_active: Some(5),
                },
            );
        });
        let names: HashSet<String> = (0..100)
            .map(|page| {
                let r = request(user("Zoë", 50), WRITING, page);
                ada_takes_more.decide(&r, &p, &history).unwrap().mentor.name
            })
            .collect();
        assert!(names.contains("Ada"), "Ada's own cap of 5 lets her in");
    }

    #[test]
    fn loads_outside_the_window_do_not_count() {
        let mut history = History::new();
        let long_ago = request_at(user("Old", 800), WRITING, 8000, at("2026-09-01T00:00:00Z"));
        history.add_load(10, crate::history::Place::of(&long_ago));
        let r = request(user("Zoë", 50), WRITING, 500);
        assert_eq!(history.load(10, &r, 30), 0);
        assert_eq!(history.load(10, &r, 90), 1);
    }

    #[test]
    fn least_loaded_favours_the_mentor_with_fewer_learners() {
        let p = pool(vec![mentor("Ada", 10), mentor("Bea", 20)], vec![], vec![]);
        let mut history = History::new();
        loaded(&mut history, 10, 3);
        // Ada's share of 2,000 requests.
        let share_of_ada = |policy: &Policy| {
            let ada = (0..2000)
                .filter(|page| {
                    let r = request(user("Zoë", 50), WRITING, *page);
                    policy.decide(&r, &p, &history).unwrap().mentor.name == "Ada"
                })
                .count();
            ada as f64 / 2000.0
        };
        // Weights 1/4 and 1: Ada's share is 0.2.
        let share = share_of_ada(&policy());
        assert!((share - 0.2).abs() < 0.03, "Ada's share {share}");
        let share = share_of_ada(&with(|s| s.selection = Selection::Uniform));
        assert!((share - 0.5).abs() < 0.04, "uniform ignores loads: {share}");
    }

    #[test]
    fn a_learner_with_two_requests_gets_two_mentors_when_there_are() {
        let mut p = pool(vec![mentor("Ada", 10)], vec![], vec![]);
        p.by_category.insert(
            COMMUNICATION_MENTORS.into(),
            vec![mentor("Ada", 10), mentor("Bea", 20)],
        );
        let mut history = History::new();
        let writing = request(user("Zoë", 50), WRITING, 500);
        let first = policy().decide(&writing, &p, &history).unwrap();
        assert_eq!(first.mentor.name, "Ada");
        history.record(&first);
        for second in 1..50 {
            let talk = request_at(
                user("Zoë", 50),
                COMMUNICATION,
                500,
                at(NOW).plus_seconds(second),
            );
            let d = policy().decide(&talk, &p, &history).unwrap();
            assert_eq!(d.mentor.name, "Bea");
            assert_eq!(
                reasons(&d, "Ada"),
                [Reason::AlreadyMentorsLearner {
                    category: WRITING.into()
                }]
            );
        }
        // With only Ada there, Ada it is.
        p.by_category
            .insert(COMMUNICATION_MENTORS.into(), vec![mentor("Ada", 10)]);
        let talk = request_at(user("Zoë", 50), COMMUNICATION, 500, at(NOW).plus_seconds(1));
        assert_eq!(
            policy().decide(&talk, &p, &history).unwrap().mentor.name,
            "Ada"
        );
    }

    #[test]
    fn deciding_a_request_again_after_later_ones_decides_the_same() {
        let mentors: Vec<Mentor> = (0..5).map(|i| mentor(&format!("M{i}"), 100 + i)).collect();
        let p = pool(mentors, vec![], vec![]);
        let requests: Vec<Request> = (0..40)
            .map(|i| {
                request_at(
                    user("L", 500 + i),
                    WRITING,
                    500 + i,
                    at(NOW).plus_seconds(i as i64),
                )
            })
            .collect();
        let mut history = History::new();
        let first: Vec<Decision> = requests
            .iter()
            .map(|r| {
                let d = policy().decide(r, &p, &history).unwrap();
                history.record(&d);
                d
            })
            .collect();
        for (r, d) in requests.iter().zip(&first) {
            assert_eq!(&policy().decide(r, &p, &history).unwrap(), d);
        }
    }

    #[test]
    fn the_same_request_and_seed_always_decide_the_same() {
        let mentors: Vec<Mentor> = (0..10).map(|i| mentor(&format!("M{i}"), 100 + i)).collect();
        let p = pool(mentors, vec![], vec![]);
        let r = request(user("Zoë", 50), WRITING, 500);
        let first = decide(&policy(), &r, &p);
        for _ in 0..20 {
            assert_eq!(decide(&policy(), &r, &p), first);
        }
        let chosen: HashSet<String> = (0..100)
            .map(|page| {
                decide(&policy(), &request(user("Zoë", 50), WRITING, page), &p)
                    .mentor
                    .name
            })
            .collect();
        assert!(
            chosen.len() >= 8,
            "the choice should vary by request: {chosen:?}"
        );
    }

    #[test]
    fn an_unknown_category_is_an_error_not_a_guess() {
        let p = pool(vec![], vec![], vec![]);
        let r = request(user("Zoë", 50), "Category:Co-op/Requests/Knitting", 1);
        assert_eq!(
            policy().decide(&r, &p, &History::new()),
            Err(PolicyError::UnknownCategory(
                "Category:Co-op/Requests/Knitting".into()
            ))
        );
    }
}
