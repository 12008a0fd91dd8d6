use matchbot_model::{Outcome, OutcomeKind};
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
    /// `posted`, `skipped`, `failed` or `dry-run`.
    pub outcome: String,
    /// Why it was skipped, or the error code and text when it failed (a dry run's text).
    pub outcome_reason: Option<String>,
    /// The decision's explanation, as JSON.
    pub explanation: Option<String>,
    /// The learner's user name.
    pub learner: String,
    /// The mentor's (or maintainer's) user name.
    pub mentor: String,
    /// The skill requested, as the Co-op names it.
    pub skill: String,
    /// The level that found the mentor: `skill`, `general` or `maintainer`.
    pub fallback_level: String,
    /// The talk page greeted (or that would have been).
    pub talk_page: String,
    /// The trace that followed the request through the workers, when it carried one.
    pub trace_id: Option<String>,
}

impl MatchRow {
    /// The row recording `outcome`, for a request of `skill`, traced as `trace_id`.
    pub fn new(outcome: &Outcome, skill: &str, trace_id: Option<&str>) -> MatchRow {
        let decision = &outcome.decision;
        let request = &decision.request;
        let (revid, postid, reason) = match &outcome.kind {
            // 0: a Flow post, or the marker was found but not the revision that added it.
            OutcomeKind::Posted { revid, postid, .. } => {
                (Some(*revid).filter(|r| *r > 0), postid.clone(), None)
            }
            OutcomeKind::DryRun { text } => (None, None, Some(text.clone())),
            OutcomeKind::Skipped { reason } => (None, None, Some(reason.clone())),
            OutcomeKind::Noted => (None, None, None),
            OutcomeKind::Failed { code, info } => (None, None, Some(format!("{code}: {info}"))),
        };
        MatchRow {
            request_id: request.request_id.to_string(),
            luid: request.learner.id,
            lprofileid: request.profile.id,
            category: request.category.clone(),
            muid: decision.mentor.id,
            matchtime: outcome.at.sql(),
            cataddtime: request.category_added.sql(),
            revid,
            postid,
            matchmade: decision.matchmade(),
            run_time: request.scanned_at.sql(),
            outcome: outcome.kind.name().to_owned(),
            // A TEXT column; a bound all the same, against an API text of any length.
            outcome_reason: reason.map(|r| r.chars().take(REASON_CHARS).collect()),
            explanation: decision
                .explanation
                .as_ref()
                .and_then(|e| serde_json::to_string(e).ok()),
            learner: request.learner.name.clone(),
            mentor: decision.mentor.name.clone(),
            skill: skill.to_owned(),
            fallback_level: decision.level.name().to_owned(),
            talk_page: outcome.talk_page.clone(),
            trace_id: trace_id.map(str::to_owned),
        }
    }

    /// The row's values, in the order of [`COLUMNS`], for `programme`.
    fn values(&self, programme: &str) -> [Value; COLUMN_COUNT] {
        [
            Value::from(&self.request_id),
            Value::from(self.luid),
            Value::from(self.lprofileid),
            Value::from(&self.category),
            Value::from(self.muid),
            Value::from(&self.matchtime),
            Value::from(&self.cataddtime),
            Value::from(self.revid),
            Value::from(self.postid.as_deref()),
            Value::from(self.matchmade),
            Value::from(&self.run_time),
            Value::from(&self.outcome),
            Value::from(self.outcome_reason.as_deref()),
            Value::from(self.explanation.as_deref()),
            Value::from(&self.learner),
            Value::from(&self.mentor),
            Value::from(&self.skill),
            Value::from(&self.fallback_level),
            Value::from(&self.talk_page),
            Value::from(self.trace_id.as_deref()),
            Value::from(programme),
        ]
    }
}

/// The most of a reason (or of a dry run's text) that is stored.
const REASON_CHARS: usize = 8000;

const COLUMNS: [&str; COLUMN_COUNT] = [
    "request_id",
    "luid",
    "lprofileid",
    "category",
    "muid",
    "matchtime",
    "cataddtime",
    "revid",
    "postid",
    "matchmade",
    "run_time",
    "outcome",
    "outcome_reason",
    "explanation",
    "learner",
    "mentor",
    "skill",
    "fallback_level",
    "talk_page",
    "trace_id",
    "programme",
];
const COLUMN_COUNT: usize = 21;

/// The most rows one INSERT carries.
const MAX_ROWS_PER_STATEMENT: usize = 65_535 / COLUMN_COUNT;

impl Db {
    /// Writes `rows` in one statement, atomically (more rows than MySQL's 65,535 placeholders
    /// allow in one statement go in several, in one transaction). A request already recorded
    /// keeps its row: replays and redeliveries change nothing. The one exception is a dry run's
    /// row: it only says what would have happened, and the real outcome replaces it. Returns
    /// MySQL's count of affected rows: 1 per new row, 2 per replaced dry-run row, 0 per row kept.
    #[tracing::instrument(name = "sql", skip_all, fields(
        otel.name = "INSERT matches",
        otel.kind = "client",
        db.system.name = "mysql",
        db.operation.name = "INSERT",
        db.collection.name = "matches",
        db.operation.batch.size = rows.len(),
    ))]
    pub async fn record(&self, rows: &[MatchRow]) -> Result<u64, DbError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let row = format!("({})", vec!["?"; COLUMN_COUNT].join(", "));
        // `outcome` is assigned last: the assignments run in order, and each one before it
        // must still see the old outcome.
        let replace_dry_run = COLUMNS
            .iter()
            .filter(|c| **c != "request_id" && **c != "outcome")
            .chain(&["outcome"])
            .map(|c| format!("{c} = IF(outcome = 'dry-run', VALUES({c}), {c})"))
            .collect::<Vec<_>>()
            .join(", ");
        let statement = |chunk: &[MatchRow]| {
            let placeholders = vec![row.as_str(); chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO matches ({}) VALUES {placeholders} \
                 ON DUPLICATE KEY UPDATE {replace_dry_run}",
                COLUMNS.join(", ")
            );
            let params: Vec<Value> = chunk
                .iter()
                .flat_map(|r| r.values(&self.programme))
                .collect();
            (sql, Params::Positional(params))
        };
        let mut conn = self.conn().await?;
        if rows.len() <= MAX_ROWS_PER_STATEMENT {
            // One statement is atomic on its own: no transaction to open and commit.
            let (sql, params) = statement(rows);
            self.answer(conn.exec_drop(sql, params)).await?;
            return Ok(conn.affected_rows());
        }
        let mut tx = self
            .answer(conn.start_transaction(TxOpts::default()))
            .await?;
        let mut changed = 0;
        for chunk in rows.chunks(MAX_ROWS_PER_STATEMENT) {
            let (sql, params) = statement(chunk);
            self.answer(tx.exec_drop(sql, params)).await?;
            changed += tx.affected_rows();
        }
        self.answer(tx.commit()).await?;
        Ok(changed)
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
        let row: Option<Fields> = self
            .answer(conn.exec_first(
                "SELECT category, lprofileid, muid, outcome, outcome_reason, explanation \
                 FROM matches WHERE request_id = ? AND programme = ?",
                (request_id, &*self.programme),
            ))
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
