//! The matching policy: a pure function of a request, a mentor-pool snapshot, the history of
//! earlier assignments and the configuration.
//!
//! Same skill, else general, else the maintainer, as the original matched. At each level a
//! listed mentor is passed over when they are the learner (the original could match a learner
//! with themself: its defect 14 in docs/ARCHITECTURE.md), opted out, blocked, away, inactive,
//! below the mentor gates (`gates`), weighted 0 or at their cap; a mentor who already mentors this learner for another request is
//! passed over too when someone else is free. The rest are drawn by weight: `uniform` gives each the same chance
//! (the original's rule), `least-loaded` gives each `weight / (1 + load)`.
//!
//! The draw comes from a generator seeded with the configured seed and the request id, and the
//! history counts only requests before this one (see `history`); a request decided before gets
//! its earlier decision back while that mentor is still listed, so deciding the same request
//! again decides the same even after greetings were posted or skipped in between. Every step is written into the decision's [`Explanation`].

use std::collections::{BTreeMap, BTreeSet};

use matchbot_config::{Config, MatcherConfig, Skill};
use matchbot_model::{
    Candidate, Decision, Excluded, Explanation, Level, LevelReport, Mentor, MentorPool,
    OwnSettings, Reason, Request, RequestId, Selection, User,
};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::draw::{draw, is_same_person};
use crate::gates;
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
    /// The settings page's revision these come from, for the explanation.
    pub revision: Option<u64>,
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
            revision: config.settings_revision,
        }
    }

    /// Decides who mentors the learner of `request`.
    pub fn decide(
        &self,
        request: &Request,
        pool: &MentorPool,
        history: &History,
    ) -> Result<Decision, PolicyError> {
        let skill = self.skill_of(request)?;
        if let Some(earlier) = self.earlier_decision(request, skill, pool, history) {
            return Ok(earlier);
        }
        let seed = self.settings.seed ^ request.request_id.digest();
        self.fresh(request, skill, pool, history, &[], seed)
    }

    /// Draws a new mentor for `request`, never one of `former`, as the step `step_id` of its
    /// match's life; the draw is seeded by the request and the step, so the same step draws
    /// the same. The maintainer when nobody is free.
    pub fn reassign(
        &self,
        request: &Request,
        pool: &MentorPool,
        history: &History,
        former: &[User],
        step_id: &str,
    ) -> Result<Decision, PolicyError> {
        let skill = self.skill_of(request)?;
        let salted = RequestId::from_stored(format!("{}/{step_id}", request.request_id));
        let seed = self.settings.seed ^ salted.digest();
        self.fresh(request, skill, pool, history, former, seed)
    }

    /// The skill `request` asks for, as the Co-op names it.
    pub fn skill_name(&self, request: &Request) -> Result<&str, PolicyError> {
        Ok(&self.skill_of(request)?.name)
    }

    fn skill_of(&self, request: &Request) -> Result<&Skill, PolicyError> {
        self.skills
            .iter()
            .find(|s| s.request_category == request.category)
            .ok_or_else(|| PolicyError::UnknownCategory(request.category.clone()))
    }

    /// A decision drawn afresh with `seed`, passing over `former` mentors.
    fn fresh(
        &self,
        request: &Request,
        skill: &Skill,
        pool: &MentorPool,
        history: &History,
        former: &[User],
        seed: u64,
    ) -> Result<Decision, PolicyError> {
        let facts = Facts {
            request,
            unavailable: self.unavailable(request, pool, former),
            already: history.mentors_of_learner(request),
            history,
            own_settings: &pool.own_settings,
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
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
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
                    step: None,
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
            step: None,
        })
    }

    /// The decision emitted before for `request`, while it still holds: the same learner, and
    /// the mentor still listed at that level with that profile (or still the maintainer), with
    /// the skill as this configuration names it. Anything else is decided afresh, so an entry
    /// someone wrote into the ledger can name no one the pool does not.
    fn earlier_decision(
        &self,
        request: &Request,
        skill: &Skill,
        pool: &MentorPool,
        history: &History,
    ) -> Option<Decision> {
        let earlier = history.decided(&request.request_id)?;
        let listed = |list: Option<&Vec<Mentor>>| {
            list.into_iter().flatten().any(|m| {
                m.user == earlier.mentor && Some(&m.profile) == earlier.mentor_profile.as_ref()
            })
        };
        let holds = earlier.request.request_id == request.request_id
            && earlier.request.learner == request.learner
            && earlier.request.profile.id == request.profile.id
            && match earlier.level {
                Level::Skill => {
                    earlier.mentor_skill == skill.name
                        && listed(pool.by_category.get(&skill.mentor_category))
                }
                Level::General => {
                    earlier.mentor_skill == self.general_skill && listed(Some(&pool.general))
                }
                Level::Maintainer => {
                    earlier.mentor_skill == skill.name
                        && earlier.mentor_profile.is_none()
                        && pool.maintainer.as_ref() == Some(&earlier.mentor)
                }
            };
        holds.then(|| earlier.clone())
    }

    /// Why each mentor who cannot take anyone right now is out, whatever the level.
    fn unavailable(
        &self,
        request: &Request,
        pool: &MentorPool,
        former: &[User],
    ) -> BTreeMap<u64, Reason> {
        // Later entries win: the order is from the least to the most telling reason.
        let mut out = gates::mentors_below(&self.settings, pool, request.scanned_at);
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
        if !pool.do_not_contact.is_empty() {
            let listed: BTreeSet<&str> = pool.do_not_contact.iter().map(String::as_str).collect();
            let everyone = pool.by_category.values().flatten().chain(&pool.general);
            for mentor in everyone.filter(|m| listed.contains(m.user.name.as_str())) {
                out.insert(mentor.user.id, Reason::DoNotContact);
            }
        }
        for user in former {
            out.insert(user.id, Reason::FormerMentor);
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
            own_settings,
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
            let (weight, cap) = self
                .settings
                .weight_and_cap(&user.name, own_settings.get(&user.name));
            let load = history.load(user.id, request, self.settings.load_days);
            let reason = if is_same_person(user, &request.learner) {
                Some(Reason::IsTheLearner)
            } else if let Some(reason) = unavailable.get(&user.id) {
                Some(reason.clone())
            } else if weight == 0 {
                Some(Reason::WeightZero)
            } else {
                cap.filter(|cap| load >= *cap)
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
                    base_weight: weight,
                    weight: match self.settings.selection {
                        Selection::Uniform => 1.0,
                        Selection::LeastLoaded => f64::from(weight) / (1.0 + f64::from(load)),
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
            settings: self.revision,
            learner_gate: None,
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
    /// What mentors set for themselves on their profiles.
    own_settings: &'a BTreeMap<String, OwnSettings>,
}

#[cfg(test)]
mod tests;
