//! The greeting's text, from the configured templates.

use matchbot_config::{Config, Decision, Level, render};

/// The invisible marker every greeting carries, naming its request. The notifier looks for it
/// before posting, so neither a replayed stream nor a flushed Redis greets a learner twice.
pub fn marker(decision: &Decision) -> String {
    format!("<!-- matchbot request={} -->", decision.request.request_id)
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

/// Renders the greeting for `decision`.
pub fn render_greeting(config: &Config, decision: &Decision) -> Greeting {
    let g = &config.greetings;
    let (topic, body) = match decision.level {
        Level::Skill | Level::General => (
            &g.match_topic,
            render(
                &g.match_greeting,
                &[&decision.mentor.name, &decision.mentor_skill],
            ),
        ),
        Level::Maintainer => (
            &g.nomatch_topic,
            render(&g.nomatch_greeting, &[&decision.mentor.name]),
        ),
    };
    let section = render(
        &g.noflow_template,
        &[topic, &decision.request.learner.name, &body],
    );
    let summary = match config.notifier.summary_suffix.as_str() {
        "" => topic.clone(),
        suffix => format!("{topic} {suffix}"),
    };
    Greeting {
        topic: topic.clone(),
        text: format!("{section} {}", marker(decision)),
        summary,
    }
}
