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
    /// The decision's explanation, as JSON.
    pub explanation: Option<String>,
}

impl From<&Outcome> for MatchRow {
    fn from(o: &Outcome) -> MatchRow {
        let request = &o.decision.request;
        let (revid, postid, reason) = match &o.kind {
            // 0: a Flow post, or the marker was found but not the revision that added it.
            OutcomeKind::Posted { revid, postid, .. } => {
                (Some(*revid).filter(|r| *r > 0), postid.clone(), None)
            }
            OutcomeKind::DryRun { text } => (None, None, Some(text.clone())),
            OutcomeKind::Skipped { reason } => (None, None, Some(reason.clone())),
            OutcomeKind::Failed { code, info } => (None, None, Some(format!("{code}: {info}"))),
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
            postid,
            matchmade: o.decision.matchmade(),
            run_time: request.scanned_at.sql(),
            outcome: o.kind.name().to_owned(),
            // A TEXT column; a bound all the same, against an API text of any length.
            outcome_reason: reason.map(|r| r.chars().take(REASON_CHARS).collect()),
            explanation: o
                .decision
                .explanation
                .as_ref()
                .and_then(|e| serde_json::to_string(e).ok()),
        }
    }
}

/// The most of a reason (or of a dry run's text) that is stored.
const REASON_CHARS: usize = 8000;

const COLUMNS: &str = "request_id, luid, lprofileid, category, muid, matchtime, cataddtime, \
                       revid, postid, matchmade, run_time, outcome, outcome_reason, explanation";

impl Db {
    /// Writes `rows` in one transaction and one statement. A request already recorded keeps its
    /// row: replays and redeliveries change nothing. The one exception is a dry run's row: it
    /// only says what would have happened, and the real outcome replaces it. Returns MySQL's
    /// count of affected rows: 1 per new row, 2 per replaced dry-run row, 0 per row kept.
    pub async fn record(&self, rows: &[MatchRow]) -> Result<u64, DbError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let placeholders =
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; rows.len()].join(", ");
        // `outcome` is assigned last: the assignments run in order, and each one before it
        // must still see the old outcome.
        let replace_dry_run = COLUMNS
            .split(", ")
            .filter(|c| *c != "request_id" && *c != "outcome")
            .chain(["outcome"])
            .map(|c| format!("{c} = IF(outcome = 'dry-run', VALUES({c}), {c})"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO matches ({COLUMNS}) VALUES {placeholders} \
             ON DUPLICATE KEY UPDATE {replace_dry_run}"
        );
        let mut params: Vec<Value> = Vec::with_capacity(rows.len() * 14);
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
                Value::from(r.explanation.as_deref()),
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

/// What `matches` holds about one request, for a person asking why it went as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The request category.
    pub category: String,
    /// The learner's profile page id.
    pub lprofileid: u64,
    /// The mentor's (or maintainer's) user id.
    pub muid: u64,
    /// `posted`, `skipped`, `failed` or `dry-run`.
    pub outcome: String,
    /// Why it was skipped or failed (or a dry run's text).
    pub outcome_reason: Option<String>,
    /// The decision's explanation, as stored; `None` for rows from before explanations.
    pub explanation: Option<String>,
}

impl Db {
    /// The row of `request_id`, if it has been recorded.
    pub async fn recorded(&self, request_id: &str) -> Result<Option<Recorded>, DbError> {
        type Fields = (
            Option<String>,
            Option<u64>,
            Option<u64>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let mut conn = self.conn().await?;
        let row: Option<Fields> = conn
            .exec_first(
                "SELECT category, lprofileid, muid, outcome, outcome_reason, explanation \
                 FROM matches WHERE request_id = ?",
                (request_id,),
            )
            .await?;
        Ok(row.map(
            |(category, lprofileid, muid, outcome, outcome_reason, explanation)| Recorded {
                category: category.unwrap_or_default(),
                lprofileid: lprofileid.unwrap_or_default(),
                muid: muid.unwrap_or_default(),
                outcome: outcome.unwrap_or_default(),
                outcome_reason,
                explanation,
            },
        ))
    }
}
