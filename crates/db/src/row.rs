use matchbot_config::{Outcome, OutcomeKind};
use mysql_async::prelude::Queryable;
use mysql_async::{Params, TxOpts, Value};

use crate::{Db, DbError};

/// One row of `matches`, with the original columns' original meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRow {
    /// The stable request id (unique).
    pub request_id: String,
    /// The learner's user id.
    pub luid: u64,
    /// The learner's profile page id.
    pub lprofileid: u64,
    /// The request category.
    pub category: String,
    /// The mentor's (or maintainer's) user id.
    pub muid: u64,
    /// When the greeting was saved (or the outcome happened), `YYYY-MM-DD HH:MM:SS`.
    pub matchtime: String,
    /// When the request category was added.
    pub cataddtime: String,
    /// The greeting's revision.
    pub revid: Option<u64>,
    /// A Flow post id (Flow boards only).
    pub postid: Option<String>,
    /// True unless the request went to the maintainer.
    pub matchmade: bool,
    /// When the scan that found the request started.
    pub run_time: String,
    /// `posted`, `skipped` or `failed`.
    pub outcome: String,
    /// Why it was skipped, or the error code and text when it failed.
    pub outcome_reason: Option<String>,
}

impl From<&Outcome> for MatchRow {
    fn from(o: &Outcome) -> MatchRow {
        let request = &o.decision.request;
        let (revid, reason) = match &o.kind {
            // 0: the marker was found but not the revision that added it (moved text).
            OutcomeKind::Posted { revid, .. } => (Some(*revid).filter(|r| *r > 0), None),
            OutcomeKind::Skipped { reason } => (None, Some(reason.clone())),
            OutcomeKind::Failed { code, info } => (None, Some(format!("{code}: {info}"))),
        };
        MatchRow {
            request_id: request.request_id.to_string(),
            luid: request.learner.id,
            lprofileid: request.profile.id,
            category: request.category.clone(),
            muid: o.decision.mentor.id,
            matchtime: o.at.sql(),
            cataddtime: request.category_added.sql(),
            revid,
            postid: None,
            matchmade: o.decision.matchmade(),
            run_time: request.scanned_at.sql(),
            outcome: o.kind.name().to_owned(),
            // The column holds 255 characters; an API text can be longer.
            outcome_reason: reason.map(|r| r.chars().take(255).collect()),
        }
    }
}

const COLUMNS: &str = "request_id, luid, lprofileid, category, muid, matchtime, cataddtime, \
                       revid, postid, matchmade, run_time, outcome, outcome_reason";

impl Db {
    /// Writes `rows` in one transaction and one statement. A request already recorded keeps its
    /// row: replays and redeliveries change nothing. Returns how many rows were new.
    pub async fn record(&self, rows: &[MatchRow]) -> Result<u64, DbError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let placeholders = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; rows.len()].join(", ");
        let sql = format!(
            "INSERT INTO matches ({COLUMNS}) VALUES {placeholders} \
             ON DUPLICATE KEY UPDATE id = id"
        );
        let mut params: Vec<Value> = Vec::with_capacity(rows.len() * 13);
        for r in rows {
            params.extend([
                Value::from(&r.request_id),
                Value::from(r.luid),
                Value::from(r.lprofileid),
                Value::from(&r.category),
                Value::from(r.muid),
                Value::from(&r.matchtime),
                Value::from(&r.cataddtime),
                Value::from(r.revid),
                Value::from(r.postid.as_deref()),
                Value::from(r.matchmade),
                Value::from(&r.run_time),
                Value::from(&r.outcome),
                Value::from(r.outcome_reason.as_deref()),
            ]);
        }
        let mut conn = self.conn().await?;
        let mut tx = conn.start_transaction(TxOpts::default()).await?;
        tx.exec_drop(sql, Params::Positional(params)).await?;
        let inserted = tx.affected_rows();
        tx.commit().await?;
        Ok(inserted)
    }
}
