//! `pages.*`: where the Co-op's profiles live.

use crate::reader::Reader;

/// Where profiles live.
#[derive(Debug, Clone)]
pub struct Pages {
    /// Every profile is a subpage of this page (`Wikipedia:Co-op`).
    pub main: String,
    /// Every profile's talk page is the same subpage of this page (`Wikipedia talk:Co-op`).
    pub talk: String,
}

impl Pages {
    /// True when `title` is a subpage of `pages.main`. The original tested the bare prefix, so
    /// `Wikipedia:Co-operation` passed (its defect 19, in docs/ARCHITECTURE.md).
    pub fn is_profile(&self, title: &str) -> bool {
        title
            .strip_prefix(&self.main)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|sub| !sub.is_empty())
    }

    /// The talk page of a profile: the `pages.main` prefix replaced by `pages.talk`.
    pub fn talk_page_of(&self, profile: &str) -> Option<String> {
        self.is_profile(profile)
            .then(|| format!("{}{}", self.talk, &profile[self.main.len()..]))
    }

    /// The profile whose talk page is `talk`: the `pages.talk` prefix replaced by `pages.main`.
    pub fn profile_of(&self, talk: &str) -> Option<String> {
        let sub = talk.strip_prefix(&self.talk)?.strip_prefix('/')?;
        (!sub.is_empty()).then(|| format!("{}/{sub}", self.main))
    }
}

/// Reads `pages.main` and `pages.talk`.
pub(crate) fn read(r: &mut Reader) -> Option<Pages> {
    r.required_section("pages");
    let main = r.title("pages.main");
    let talk = r.title("pages.talk");
    Some(Pages {
        main: main?,
        talk: talk?,
    })
}

/// Reads `defaultmentorprofile`, which must be a profile like any other.
pub(crate) fn read_maintainer_profile(r: &mut Reader, pages: Option<&Pages>) -> Option<String> {
    let profile = r.title("defaultmentorprofile");
    if let (Some(pages), Some(profile)) = (pages, &profile)
        && !pages.is_profile(profile)
    {
        r.problem(
            "defaultmentorprofile",
            format!(
                "\"{profile}\" is not a subpage of pages.main (\"{}\")",
                pages.main
            ),
        );
    }
    profile
}
