//! The matching vocabulary an explanation and a decision share: the fallback levels, and how a
//! mentor is drawn from those eligible.

use serde::{Deserialize, Serialize};

/// Which rule found the mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A mentor who offers the requested skill.
    Skill,
    /// A mentor from the general category.
    General,
    /// Nobody was free: the maintainer, with `matchmade = 0`.
    Maintainer,
}

impl Level {
    /// The level's name as stored and shown: `skill`, `general` or `maintainer`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Skill => "skill",
            Level::General => "general",
            Level::Maintainer => "maintainer",
        }
    }
}

/// How the matcher draws one mentor from those eligible (`matcher.selection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// Every eligible mentor equally likely (the original's rule); a weight of 0 still keeps a
    /// mentor out.
    Uniform,
    /// Likelihood proportional to `weight / (1 + load)`: the fewer learners a mentor got lately,
    /// the likelier they are chosen.
    LeastLoaded,
}

impl Selection {
    /// Every selection, in the order the configuration's message lists them.
    pub const ALL: [Selection; 2] = [Selection::LeastLoaded, Selection::Uniform];

    /// The name used in the configuration and in explanations.
    pub fn name(self) -> &'static str {
        match self {
            Selection::Uniform => "uniform",
            Selection::LeastLoaded => "least-loaded",
        }
    }

    /// The selection called `name` in the configuration.
    pub fn from_name(name: &str) -> Option<Selection> {
        Selection::ALL.into_iter().find(|s| s.name() == name)
    }
}
