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
