//! `categories.*`: the skills and the categories that make up requests and the mentor pool.

use crate::reader::Reader;

/// How a general mentor's skill is named when `categories.generalskill` is not set and no
/// skill's mentor category is the general one.
const DEFAULT_GENERAL_SKILL: &str = "general editing skills";

/// `categories.generalskill`, read only when the lists it depends on are usable.
const GENERAL_SKILL: &str = "categories.generalskill";

/// One skill the Co-op offers mentoring in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The text a greeting uses ("writing").
    pub name: String,
    /// The category a learner adds to ask for it.
    pub request_category: String,
    /// The category a mentor adds to offer it.
    pub mentor_category: String,
}

/// The `categories` section, validated.
pub(crate) struct Categories {
    pub skills: Vec<Skill>,
    pub general: String,
    pub general_skill: String,
    pub optout: String,
    pub away: Option<String>,
    pub mentor_settings: Option<String>,
}

/// Reads the section. The three lists pair up by position and must agree in length.
pub(crate) fn read(r: &mut Reader) -> Option<Categories> {
    r.required_section("categories");
    r.known(GENERAL_SKILL);
    let general = r.category("categories.general");
    let optout = r.category("categories.optout");
    let names = r.strings("categories.skillslist");
    let requests = r.strings("categories.requestcategories");
    let mentors = r.strings("categories.mentorcategories");
    for (key, list) in [
        ("categories.requestcategories", &requests),
        ("categories.mentorcategories", &mentors),
    ] {
        for (i, title) in list.iter().flatten().enumerate() {
            if !title.starts_with("Category:") {
                r.problem(
                    &format!("{key}[{i}]"),
                    format!("\"{title}\" must start with \"Category:\""),
                );
            }
        }
    }
    if let Some(requests) = &requests {
        for (i, title) in requests.iter().enumerate() {
            if requests[..i].contains(title) {
                r.problem(
                    &format!("categories.requestcategories[{i}]"),
                    format!("\"{title}\" is listed twice"),
                );
            }
        }
    }
    let skills = match (&names, &requests, &mentors) {
        (Some(n), Some(q), Some(m)) if n.len() == q.len() && q.len() == m.len() => Some(
            n.iter()
                .zip(q)
                .zip(m)
                .map(|((name, request), mentor)| Skill {
                    name: name.clone(),
                    request_category: request.clone(),
                    mentor_category: mentor.clone(),
                })
                .collect::<Vec<_>>(),
        ),
        (Some(n), Some(q), Some(m)) => {
            // The original zipped these silently, so the shipped sample (5 skills, 6
            // categories) lost every "Images and media" request: its defect 10 in
            // docs/ARCHITECTURE.md.
            r.problem(
                "categories.skillslist",
                format!(
                    "has {} entries but categories.requestcategories has {} and \
                     categories.mentorcategories has {}; the three lists pair up by \
                     position, so they must have the same length",
                    n.len(),
                    q.len(),
                    m.len()
                ),
            );
            None
        }
        _ => None,
    };
    let general_skill = match (&skills, &general) {
        (Some(skills), Some(general)) => {
            let by_category = skills
                .iter()
                .find(|s| &s.mentor_category == general)
                .map(|s| s.name.clone());
            let configured = r.opt_text(GENERAL_SKILL, crate::limits::TITLE);
            Some(
                configured
                    .or(by_category)
                    .unwrap_or_else(|| DEFAULT_GENERAL_SKILL.to_owned()),
            )
        }
        _ => None,
    };
    let away = r
        .lookup("categories.away")
        .is_some()
        .then(|| r.category("categories.away"));
    let mentor_settings = r
        .lookup("categories.mentor_settings")
        .is_some()
        .then(|| r.category("categories.mentor_settings"));
    Some(Categories {
        mentor_settings: mentor_settings.map_or(Some(None), |c| c.map(Some))?,
        skills: skills?,
        general: general?,
        general_skill: general_skill?,
        optout: optout?,
        away: away.map_or(Some(None), |c| c.map(Some))?,
    })
}
