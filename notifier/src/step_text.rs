//! The text of a lifecycle step: a nudge to the mentor, or telling the learner who their new
//! mentor is, from `lifecycle.messages`.

use matchbot_config::{Config, LifecycleConfig, render};
use matchbot_model::{Action, Decision, Step, Why};

use crate::names::{self, Refused};

/// The section title and the message proper of `step`, once every name in it is one MediaWiki
/// would allow; `None` for a step that posts nothing.
/// A step reaching a notifier whose configuration has no `lifecycle` section (changed since
/// it was decided) is worded as the defaults word it.
pub(crate) fn topic_and_body(
    config: &Config,
    decision: &Decision,
    step: &Step,
) -> Result<Option<(String, String)>, Refused> {
    let defaults;
    let lifecycle = match &config.lifecycle {
        Some(lifecycle) => lifecycle,
        None => {
            defaults = LifecycleConfig::default();
            &defaults
        }
    };
    let m = &lifecycle.messages;
    let learner = decision.request.learner.name.as_str();
    names::check("the learner's name", learner)?;
    names::check("the mentor's name", &decision.mentor.name)?;
    names::check("the skill", &decision.mentor_skill)?;
    let mentor = decision.mentor.name.as_str();
    let skill = decision.mentor_skill.as_str();
    Ok(match &step.action {
        Action::Contacted { .. } | Action::Close { .. } => None,
        Action::Nudge { silent_since } => {
            let days = (step.at.unix() - silent_since.unix()) / i64::from(lifecycle.day_seconds);
            let days = days.to_string();
            Some((
                m.nudge_topic.clone(),
                render(&m.nudge, &[mentor, learner, skill, &days]),
            ))
        }
        Action::Reassign {
            why: Why::PickedUp, ..
        } => Some((
            m.picked_up_topic.clone(),
            render(&m.picked_up, &[mentor, learner, skill]),
        )),
        Action::Reassign { from, why } => {
            names::check("the former mentor's name", &from.name)?;
            let sentence = match why {
                Why::Silent { .. } => &m.why_silent,
                Why::MentorLeft { .. } => &m.why_mentor_left,
                Why::Wish { .. } | Why::PickedUp => &m.why_wish,
            };
            let because = render(sentence, &["", "", "", "", &from.name]);
            Some((
                m.reassigned_topic.clone(),
                render(&m.reassigned, &[mentor, learner, skill, &because]),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use matchbot_model::{Level, PageRef, Request, RequestId, Timestamp, User};

    use crate::greeting::{marker, render_flow_greeting, render_greeting};

    use super::*;

    fn config() -> Config {
        let json = include_str!("../../config.example.json").replacen(
            '{',
            r#"{"lifecycle": {"day_seconds": 60},"#,
            1,
        );
        Config::from_json(&json, Path::new("config.json"), |name| {
            (name == "MATCHBOT_SIGNING_KEY").then(|| "k".repeat(32))
        })
        .unwrap()
    }

    fn decision(mentor: &str, action: Action) -> Decision {
        let t = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let category = "Category:Co-op/Requests/Writing";
        Decision {
            request: Request {
                request_id: RequestId::new(8, category, t),
                profile: PageRef {
                    id: 8,
                    title: "Wikipedia:Co-op/Ken".into(),
                },
                category: category.into(),
                category_added: t,
                learner: User {
                    name: "Ken".into(),
                    id: 10,
                },
                scanned_at: t,
                checkup: None,
            },
            mentor: User {
                name: mentor.into(),
                id: 7,
            },
            mentor_profile: None,
            level: Level::Skill,
            mentor_skill: "writing".into(),
            explanation: None,
            step: Some(Step {
                id: "step-1".into(),
                at: t.plus_seconds(7 * 60),
                action,
            }),
        }
    }

    #[test]
    fn a_nudge_pings_the_mentor_and_counts_the_days() {
        let silent_since = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let d = decision("Ada", Action::Nudge { silent_since });
        let g = render_greeting(&config(), &d).unwrap();
        assert_eq!(g.topic, "Checking in");
        assert!(g.text.starts_with("\n\n==Checking in==\n[[User:Ada|Ada]], [[User:Ken|Ken]] asked the Co-op for help with writing 7 days ago"), "{}", g.text);
        assert!(
            g.text.ends_with(
                " ~~~~ <!-- matchbot request=8-20261121100000-c7f49c79e0cef887 step=step-1 -->"
            ),
            "{}",
            g.text
        );
        let flow = render_flow_greeting(&config(), &d).unwrap();
        assert!(!flow.text.contains("~~~~") && flow.text.ends_with(&marker(&d)));
    }

    #[test]
    fn a_new_mentor_is_named_with_the_reason() {
        let from = User {
            name: "Ada".into(),
            id: 5,
        };
        let why = Why::Silent { days: 14 };
        let g =
            render_greeting(&config(), &decision("Bea", Action::Reassign { from, why })).unwrap();
        assert_eq!(g.topic, "A new mentor for you");
        assert!(g.text.contains("Your mentor, Ada, has not been able to get in touch. [[User:Bea|Bea]] offers mentoring in \"writing\""), "{}", g.text);
        let picked = decision(
            "Bea",
            Action::Reassign {
                from: User {
                    name: "Jtmorgan".into(),
                    id: 3,
                },
                why: Why::PickedUp,
            },
        );
        let g = render_greeting(&config(), &picked).unwrap();
        assert!(
            g.text
                .contains("Good news, [[User:Ken|Ken]]: [[User:Bea|Bea]] is free now"),
            "{}",
            g.text
        );
        let forged = decision(
            "Bea",
            Action::Reassign {
                from: User {
                    name: "Ada]]{{nobots}}".into(),
                    id: 5,
                },
                why: Why::Wish {
                    asked: Timestamp::parse("2026-11-21T10:00:00Z").unwrap(),
                },
            },
        );
        assert_eq!(
            render_greeting(&config(), &forged).unwrap_err().what,
            "the former mentor's name"
        );
    }
}
