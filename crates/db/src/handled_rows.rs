use matchbot_model::Timestamp;
use mysql_async::prelude::Queryable;

use crate::{Db, DbError};

/// One row of `matches` as a report counts it. The original MatchBot's rows have no outcome,
/// names, skill or level; every field they lack is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandledRow {
    /// The learner's user id.
    pub luid: Option<u64>,
    /// The learner's profile page id.
    pub lprofileid: Option<u64>,
    /// The request category.
    pub category: Option<String>,
    /// The skill requested, as recorded.
    pub skill: Option<String>,
    /// `skill`, `general` or `maintainer`.
    pub fallback_level: Option<String>,
    /// The original's `matchmade`.
    pub matchmade: Option<bool>,
    /// `posted`, `skipped`, `failed` or `dry-run`; `None` on the original's rows, which it
    /// wrote only after posting.
    pub outcome: Option<String>,
    /// The mentor's (or maintainer's) user id.
    pub muid: Option<u64>,
    /// The mentor's (or maintainer's) user name.
    pub mentor: Option<String>,
    /// When the request category was added.
    pub cataddtime: Option<Timestamp>,
    /// When the request was handled (the greeting saved).
    pub matchtime: Timestamp,
}

impl Db {
    /// Every row handled from `from` (inclusive) to `to` (exclusive), by `matchtime`.
    pub async fn handled_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<HandledRow>, DbError> {
        type Fields = (
            Option<u64>,
            Option<u64>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<bool>,
            Option<String>,
            Option<u64>,
            Option<String>,
            Option<String>,
            String,
        );
        let mut conn = self.conn().await?;
        let rows: Vec<Fields> = self.answer(conn
            .exec(
                "SELECT luid, lprofileid, category, skill, fallback_level, matchmade, outcome, muid, mentor, \
                 DATE_FORMAT(cataddtime, '%Y-%m-%dT%H:%i:%sZ'), \
                 DATE_FORMAT(matchtime, '%Y-%m-%dT%H:%i:%sZ') \
                 FROM matches WHERE programme = ? AND matchtime >= ? AND matchtime < ? \
                 ORDER BY matchtime, id",
                (&*self.programme, from.sql(), to.sql()),
            )).await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(
                    luid,
                    lprofileid,
                    category,
                    skill,
                    level,
                    matchmade,
                    outcome,
                    muid,
                    mentor,
                    added,
                    at,
                )| {
                    Some(HandledRow {
                        luid,
                        lprofileid,
                        category,
                        skill,
                        fallback_level: level,
                        matchmade,
                        outcome,
                        muid,
                        mentor,
                        // A zero date ('0000-00-00', which old MySQL allowed) reads as none.
                        cataddtime: added.and_then(|a| Timestamp::parse(&a).ok()),
                        matchtime: Timestamp::parse(&at).ok()?,
                    })
                },
            )
            .collect())
    }
}
