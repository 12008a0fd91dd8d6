//! The greeting's text, from the configured templates.

use matchbot_config::{Config, render};
use matchbot_model::{Decision, Level};

use crate::names::{self, Refused};
use crate::step_text;

/// The invisible marker every greeting carries, naming its request. The notifier looks for it
/// before posting, so neither a replayed stream nor a flushed Redis greets a learner twice.
/// A step of the match's life carries its own: `<!-- matchbot request=… step=… -->`.
pub fn marker(decision: &Decision) -> String {
    match &decision.step {
        None => format!("<!-- matchbot request={} -->", decision.request.request_id),
        Some(step) => format!(
            "<!-- matchbot request={} step={} -->",
            decision.request.request_id, step.id
        ),
    }
}

/// What to append to the talk page, and the edit summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// The section title (the original's topic).
    pub topic: String,
    /// The wikitext appended: `greetings.noflowtemplate` filled in, then the marker.
    pub text: String,
    /// The edit summary: the topic, as the original used, plus any configured suffix.
    pub summary: String,
}

/// Renders the greeting for `decision` as a new section of a wikitext talk page; refused when
/// a name in it is one MediaWiki would refuse (see `names`).
pub fn render_greeting(config: &Config, decision: &Decision) -> Result<Greeting, Refused> {
    let g = &config.greetings;
    let (topic, body) = topic_and_body(config, decision)?;
    if decision.step.is_some() {
        // A later message is a plain section, signed: the greeting template is for greetings.
        return Ok(Greeting {
            text: format!("\n\n=={topic}==\n{body} ~~~~ {}", marker(decision)),
            summary: config.notifier.summary(&topic),
            topic,
        });
    }
    let section = render(
        &g.noflow_template,
        &[&topic, &decision.request.learner.name, &body],
    );
    Ok(Greeting {
        topic: topic.clone(),
        text: format!("{section} {}", marker(decision)),
        summary: config.notifier.summary(&topic),
    })
}

/// Renders the greeting for `decision` as a Flow topic: the greeting alone, as the original
/// posted it (Flow signs posts and notifies the board's owner itself), then the marker.
pub fn render_flow_greeting(config: &Config, decision: &Decision) -> Result<Greeting, Refused> {
    let (topic, body) = topic_and_body(config, decision)?;
    Ok(Greeting {
        text: format!("{body} {}", marker(decision)),
        summary: config.notifier.summary(&topic),
        topic,
    })
}

/// The section title and the greeting proper, once every name from the decision is one
/// MediaWiki would allow.
fn topic_and_body(config: &Config, decision: &Decision) -> Result<(String, String), Refused> {
    if let Some(step) = &decision.step
        && let Some(text) = step_text::topic_and_body(config, decision, step)?
    {
        return Ok(text);
    }
    names::check("the learner's name", &decision.request.learner.name)?;
    names::check("the mentor's name", &decision.mentor.name)?;
    names::check("the skill", &decision.mentor_skill)?;
    let g = &config.greetings;
    Ok(match decision.level {
        Level::Skill | Level::General => (
            g.match_topic.clone(),
            render(
                &g.match_greeting,
                &[&decision.mentor.name, &decision.mentor_skill],
            ),
        ),
        Level::Maintainer => (
            g.nomatch_topic.clone(),
            render(&g.nomatch_greeting, &[&decision.mentor.name]),
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use matchbot_model::{Action, PageRef, Request, RequestId, Step, Timestamp, User, Why};

    use super::*;

    fn config() -> Config {
        Config::from_json(
            include_str!("../../config.example.json"),
            Path::new("config.example.json"),
            // A configuration needs a signing key, which only the environment or a file gives.
            |name| (name == "MATCHBOT_SIGNING_KEY").then(|| "k".repeat(32)),
        )
        .unwrap()
    }

    fn decision(level: Level, mentor: &str, skill: &str) -> Decision {
        let t = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let category = "Category:Co-op/Requests/Images and media";
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
                settings: None,
                learner_facts: None,
            },
            mentor: User {
                name: mentor.into(),
                id: 7,
            },
            mentor_profile: None,
            level,
            mentor_skill: skill.into(),
            explanation: None,
            step: None,
        }
    }

    #[test]
    fn a_match_names_the_mentor_and_the_skill_they_offer() {
        let d = decision(Level::General, "Grace", "general editing skills");
        let g = render_greeting(&config(), &d).unwrap();
        assert_eq!(g.topic, "Welcome to the Co-op! We have a mentor for you.");
        assert_eq!(g.summary, g.topic);
        assert!(g.text.starts_with(
            "\n\n==Welcome to the Co-op! We have a mentor for you.==\nHello, [[User:Ken|Ken]]! "
        ));
        assert!(
            g.text
                .contains("[[User:Grace|Grace]] offers mentoring in \"general editing skills\"")
        );
        assert!(
            g.text
                .ends_with(" ~~~~ <!-- matchbot request=8-20261121100000-065c828093912336 -->"),
            "{}",
            g.text
        );
    }

    #[test]
    fn no_match_names_the_maintainer() {
        let d = decision(Level::Maintainer, "Maintainer", "images and media");
        let g = render_greeting(&config(), &d).unwrap();
        assert_eq!(g.topic, "Welcome to the Co-op!");
        assert!(
            g.text
                .contains("[[User:Maintainer|Maintainer]] will be in touch")
        );
        assert!(g.text.contains(&marker(&d)));
    }

    #[test]
    fn a_flow_topic_is_the_greeting_alone_with_its_marker() {
        let d = decision(Level::Skill, "Ada", "writing");
        let g = render_flow_greeting(&config(), &d).unwrap();
        assert_eq!(g.topic, "Welcome to the Co-op! We have a mentor for you.");
        assert!(
            g.text
                .starts_with("Thank you for your interest in the Co-op. [[User:Ada|Ada]]")
        );
        assert!(
            !g.text.contains("~~~~") && !g.text.contains("=="),
            "{}",
            g.text
        );
        assert!(g.text.ends_with(&marker(&d)));
    }

    #[test]
    fn a_name_mediawiki_would_refuse_is_never_rendered() {
        let config = config();
        let mut learner = decision(Level::General, "Grace", "general editing skills");
        learner.request.learner.name = "Ken]]\n==Free money==\n[[User:Ken".into();
        let mentor = decision(Level::Skill, "Ada|x}}{{nobots", "writing");
        let skill = decision(Level::Skill, "Ada", "writing\"]] <script>");
        for (d, what) in [
            (&learner, "the learner's name"),
            (&mentor, "the mentor's name"),
            (&skill, "the skill"),
        ] {
            let refused = render_greeting(&config, d).unwrap_err();
            assert_eq!(refused.what, what);
            assert_eq!(render_flow_greeting(&config, d).unwrap_err(), refused);
        }
    }

    /// A step of `mentor`'s match with Ken, for writing, decided a week after the request.
    fn step_decision(mentor: &str, action: Action) -> Decision {
        let mut d = decision(Level::Skill, mentor, "writing");
        let request = &mut d.request;
        request.category = "Category:Co-op/Requests/Writing".into();
        request.request_id = RequestId::new(8, &request.category, request.category_added);
        let at = request.category_added.plus_seconds(7 * 86_400);
        d.step = Some(Step {
            id: "step-1".into(),
            at,
            action,
        });
        d
    }

    #[test]
    fn a_nudge_pings_the_mentor_and_counts_the_days() {
        let silent_since = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
        let d = step_decision("Ada", Action::Nudge { silent_since });
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
        let g = render_greeting(
            &config(),
            &step_decision("Bea", Action::Reassign { from, why }),
        )
        .unwrap();
        assert_eq!(g.topic, "A new mentor for you");
        assert!(g.text.contains("Your mentor, Ada, has not been able to get in touch. [[User:Bea|Bea]] offers mentoring in \"writing\""), "{}", g.text);
        let picked = step_decision(
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
        let forged = step_decision(
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
