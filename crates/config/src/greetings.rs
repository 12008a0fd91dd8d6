//! `greetings.*`: the texts of a greeting, with the original's placeholders.

use crate::limits;
use crate::reader::Reader;

/// The greeting texts, with the original's placeholders.
#[derive(Debug, Clone)]
pub struct Greetings {
    /// Section title when a mentor was found.
    pub match_topic: String,
    /// `{0}` mentor, `{1}` the skill the mentor offers.
    pub match_greeting: String,
    /// Section title when nobody was found.
    pub nomatch_topic: String,
    /// `{0}` the maintainer.
    pub nomatch_greeting: String,
    /// `{0}` topic, `{1}` learner, `{2}` greeting: the wikitext appended to a talk page.
    pub noflow_template: String,
}

/// Reads the section; each template must use exactly the placeholders it is given.
pub(crate) fn read(r: &mut Reader) -> Option<Greetings> {
    r.required_section("greetings");
    let match_topic = r.text("greetings.matchtopic", limits::TITLE);
    let match_greeting = r.template("greetings.matchgreeting", &["mentor", "skill"]);
    let nomatch_topic = r.text("greetings.nomatchtopic", limits::TITLE);
    let nomatch_greeting = r.template("greetings.nomatchgreeting", &["maintainer"]);
    let noflow_template = r.template(
        "greetings.noflowtemplate",
        &["topic", "learner", "greeting"],
    );
    Some(Greetings {
        match_topic: match_topic?,
        match_greeting: match_greeting?,
        nomatch_topic: nomatch_topic?,
        nomatch_greeting: nomatch_greeting?,
        noflow_template: noflow_template?,
    })
}
