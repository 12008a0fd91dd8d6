//! Edits whose result is not known, per page: a timeout, a 5xx, or an answer that is not one.
//!
//! After such an edit the wiki may have saved it, may still be saving it, or may not have it at
//! all. The caller must not post again blindly: it asks [`Client::uncertain_write`] when the
//! last such edit of a page ended, waits past the wiki's request time limit from then, and
//! looks for its edit among the bot's own revisions. An answer that is no answer at all,
//! repeated on the same page, is not waited out for ever: after [`MOST_BAD_ANSWERS`] in a row
//! the edit's error becomes [`Error::BadAnswers`], which nothing retries.

use std::time::Instant;

use crate::client::Client;
use crate::error::Error;
use crate::gate::Unknown;

/// How many unreadable answers in a row to edits of one page before the edit is given up.
pub const MOST_BAD_ANSWERS: u32 = 3;

/// How many pages are remembered; the oldest is forgotten first.
const MOST_PAGES: usize = 1024;

impl Client {
    /// When the last edit of `title` whose result is unknown ended (`None`: the last edit's
    /// result is known, or there was none). An edit sent before that instant is saved, if at
    /// all, within the wiki's request time limit after it.
    pub fn uncertain_write(&self, title: &str) -> Option<Instant> {
        self.inner
            .uncertain
            .with(|pages| pages.get(title).map(|u| u.at))
    }

    /// Remembers what the edit of `title` came to, and turns the last of too many unreadable
    /// answers in a row into [`Error::BadAnswers`].
    pub(crate) fn settle<T>(&self, title: &str, result: Result<T, Error>) -> Result<T, Error> {
        let error = match result {
            Ok(done) => {
                self.inner.uncertain.with(|pages| pages.remove(title));
                return Ok(done);
            }
            Err(e) if !e.leaves_edit_unknown() => {
                self.inner.uncertain.with(|pages| pages.remove(title));
                return Err(e);
            }
            Err(e) => e,
        };
        let bad = matches!(error, Error::Decode(_));
        let bad_answers = self.inner.uncertain.with(|pages| {
            if pages.len() >= MOST_PAGES
                && !pages.contains_key(title)
                && let Some(oldest) = pages
                    .iter()
                    .min_by_key(|(_, u)| u.at)
                    .map(|(t, _)| t.clone())
            {
                pages.remove(&oldest);
            }
            let known = pages.get(title).map_or(0, |u| u.bad_answers);
            let bad_answers = if bad { known + 1 } else { 0 };
            let at = Instant::now();
            pages.insert(title.to_owned(), Unknown { at, bad_answers });
            bad_answers
        });
        if bad_answers >= MOST_BAD_ANSWERS {
            tracing::warn!(
                title,
                tries = bad_answers,
                error = %error,
                "the wiki's answers to this edit could not be read, again: giving the edit up"
            );
            return Err(Error::BadAnswers {
                title: title.to_owned(),
                tries: bad_answers,
                last: error.to_string(),
            });
        }
        Err(error)
    }
}
