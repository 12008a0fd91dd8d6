//! The matching policy: a pure function of a request, a mentor-pool snapshot and a seed.
//!
//! Same skill, else general, else the maintainer (DESIGN.md, "Behaviour to keep"), never the
//! learner themself (the original could match a learner with themself, defect 14), never a
//! mentor who opted out. The random choice is drawn from a generator seeded with the configured
//! seed and the request id, so replaying a stream decides exactly the same.

use std::collections::HashSet;

use matchbot_config::{Decision, Level, Mentor, MentorPool, Request, Skill, User};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::IndexedRandom;

/// What the policy needs from the configuration.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The skills, to find the request category's mentor category and skill name.
    pub skills: Vec<Skill>,
    /// How a general mentor's skill is named.
    pub general_skill: String,
    /// The configured seed.
    pub seed: u64,
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
    /// Decides who mentors the learner of `request`.
    pub fn decide(&self, request: &Request, pool: &MentorPool) -> Result<Decision, PolicyError> {
        let skill = self
            .skills
            .iter()
            .find(|s| s.request_category == request.category)
            .ok_or_else(|| PolicyError::UnknownCategory(request.category.clone()))?;
        let unavailable: HashSet<u64> = pool
            .opted_out
            .iter()
            .map(|m| m.user.id)
            .chain(pool.blocked.iter().map(|u| u.id))
            .collect();
        let eligible = |mentors: &[Mentor]| -> Vec<Mentor> {
            let mut seen = HashSet::new();
            mentors
                .iter()
                .filter(|m| !is_same_person(&m.user, &request.learner))
                .filter(|m| !unavailable.contains(&m.user.id))
                // One chance per person, however many profiles they list.
                .filter(|m| seen.insert(m.user.id))
                .cloned()
                .collect()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ request.request_id.digest());
        let by_skill = eligible(
            pool.by_category
                .get(&skill.mentor_category)
                .map_or(&[][..], Vec::as_slice),
        );
        let (chosen, level, mentor_skill) = if let Some(m) = by_skill.choose(&mut rng) {
            (m.clone(), Level::Skill, skill.name.clone())
        } else if let Some(m) = eligible(&pool.general).choose(&mut rng) {
            (m.clone(), Level::General, self.general_skill.clone())
        } else {
            let maintainer = pool.maintainer.clone().ok_or(PolicyError::NoMaintainer)?;
            return Ok(Decision {
                request: request.clone(),
                mentor: maintainer,
                mentor_profile: None,
                level: Level::Maintainer,
                mentor_skill: skill.name.clone(),
            });
        };
        Ok(Decision {
            request: request.clone(),
            mentor: chosen.user,
            mentor_profile: Some(chosen.profile),
            level,
            mentor_skill,
        })
    }
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
    use std::collections::BTreeMap;

    use matchbot_config::{PageRef, RequestId, Timestamp};

    use super::*;

    const WRITING: &str = "Category:Co-op/Requests/Writing";
    const WRITING_MENTORS: &str = "Category:Co-op mentors with writing skills";
    const MEDIA: &str = "Category:Co-op/Requests/Images and media";

    fn policy() -> Policy {
        Policy {
            skills: vec![
                Skill {
                    name: "writing".into(),
                    request_category: WRITING.into(),
                    mentor_category: WRITING_MENTORS.into(),
                },
                Skill {
                    name: "images and media".into(),
                    request_category: MEDIA.into(),
                    mentor_category: "Category:Co-op mentors with multimedia skills".into(),
                },
            ],
            general_skill: "general editing skills".into(),
            seed: 7,
        }
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

    fn request(learner: User, category: &str, page: u64) -> Request {
        let t = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        Request {
            request_id: RequestId::new(page, category, t),
            profile: PageRef {
                id: page,
                title: format!("Wikipedia:Co-op/{}", learner.name),
            },
            category: category.into(),
            category_added: t,
            learner,
            scanned_at: t,
        }
    }

    fn pool(writing: Vec<Mentor>, general: Vec<Mentor>, opted_out: Vec<Mentor>) -> MentorPool {
        MentorPool {
            taken_at: None,
            by_category: BTreeMap::from([(WRITING_MENTORS.to_owned(), writing)]),
            general,
            opted_out,
            blocked: vec![],
            maintainer: Some(user("Maintainer", 1)),
        }
    }

    #[test]
    fn a_mentor_of_the_skill_comes_first() {
        let p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
        let d = policy()
            .decide(&request(user("Zoë", 50), WRITING, 500), &p)
            .unwrap();
        assert_eq!((d.mentor.name.as_str(), d.level), ("Ada", Level::Skill));
        assert_eq!(d.mentor_skill, "writing");
        assert!(d.matchmade());
    }

    #[test]
    fn no_mentor_of_the_skill_means_a_general_one_named_for_their_own_skill() {
        let p = pool(vec![mentor("Ada", 10)], vec![mentor("Grace", 30)], vec![]);
        let d = policy()
            .decide(&request(user("Ken", 51), MEDIA, 501), &p)
            .unwrap();
        assert_eq!((d.mentor.name.as_str(), d.level), ("Grace", Level::General));
        assert_eq!(d.mentor_skill, "general editing skills");
    }

    #[test]
    fn nobody_free_means_the_maintainer_and_no_match() {
        let p = pool(vec![], vec![], vec![]);
        let d = policy()
            .decide(&request(user("Ken", 51), WRITING, 501), &p)
            .unwrap();
        assert_eq!(
            (d.mentor.name.as_str(), d.level),
            ("Maintainer", Level::Maintainer)
        );
        assert!(!d.matchmade());
        assert_eq!(d.mentor_profile, None);
    }

    #[test]
    fn opted_out_mentors_are_never_chosen() {
        let olga = mentor("Olga", 40);
        let p = pool(vec![olga.clone()], vec![olga.clone()], vec![olga]);
        for page in 0..200 {
            let d = policy()
                .decide(&request(user("Zoë", 50), WRITING, page), &p)
                .unwrap();
            assert_eq!(d.level, Level::Maintainer, "Olga opted out but was chosen");
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
            let d = policy()
                .decide(&request(user("Zoë", 50), WRITING, page), &p)
                .unwrap();
            assert_eq!(d.mentor.name, "Ada", "request {page} went to blocked Bea");
        }
        p.blocked.push(user("Ada", 10));
        let d = policy()
            .decide(&request(user("Zoë", 50), WRITING, 1), &p)
            .unwrap();
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
            let d = policy()
                .decide(&request(user("Ada", 10), WRITING, page), &p)
                .unwrap();
            assert_eq!(
                d.mentor.name, "Bea",
                "request {page} matched Ada with herself"
            );
        }
        let only_self = pool(vec![mentor("Ada", 10)], vec![mentor("Ada", 10)], vec![]);
        let d = policy()
            .decide(&request(user("Ada", 10), WRITING, 1), &only_self)
            .unwrap();
        assert_eq!(d.level, Level::Maintainer);
    }

    #[test]
    fn the_same_request_and_seed_always_decide_the_same() {
        let mentors: Vec<Mentor> = (0..10).map(|i| mentor(&format!("M{i}"), 100 + i)).collect();
        let p = pool(mentors, vec![], vec![]);
        let r = request(user("Zoë", 50), WRITING, 500);
        let first = policy().decide(&r, &p).unwrap();
        for _ in 0..20 {
            assert_eq!(policy().decide(&r, &p).unwrap(), first);
        }
        let chosen: HashSet<String> = (0..100)
            .map(|page| {
                policy()
                    .decide(&request(user("Zoë", 50), WRITING, page), &p)
                    .unwrap()
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
            policy().decide(&r, &p),
            Err(PolicyError::UnknownCategory(
                "Category:Co-op/Requests/Knitting".into()
            ))
        );
    }
}
