//! `match_events`: one row per step of a match's life (the greeting, a contact, a nudge, a
//! reassignment, a close), written by the recorder, idempotent like `matches`.

use matchbot_model::{Action, Closing, Departure, Outcome, OutcomeKind, Why};
use mysql_async::prelude::Queryable;
use mysql_async::{Params, Value};

use crate::{Db, DbError};

/// One row of `match_events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// The request.
    pub request_id: String,
    /// `greeting`, or the step's id.
    pub step: String,
    /// `greeted`, `contacted`, `nudged`, `reassigned` or `closed`.
    pub event: String,
    /// When, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    /// The mentor concerned (for a reassignment, the new one).
    pub mentor_id: u64,
    /// Their name.
    pub mentor: String,
    /// The level they were found at.
    pub level: String,
    /// For a reassignment, the mentor before.
    pub from: Option<(u64, String)>,
    /// Why, as reports group it.
    pub reason: Option<String>,
    /// A sentence for a person.
    pub detail: Option<String>,
    /// The outcome's name.
    pub outcome: String,
    /// The revision that posted it.
    pub revid: Option<u64>,
    /// The Flow post that posted it.
    pub postid: Option<String>,
    /// A reassignment's explanation, as JSON.
    pub explanation: Option<String>,
    /// The request's trace.
    pub trace_id: Option<String>,
}

/// The most of a detail that is stored.
const DETAIL_CHARS: usize = 2000;

impl EventRow {
    /// The row recording `outcome`: its step's, or for a greeting that was posted, the
    /// `greeted` row that starts its match's life. `None` for a greeting that was not posted.
    pub fn new(outcome: &Outcome, trace_id: Option<&str>) -> Option<EventRow> {
        let decision = &outcome.decision;
        let (step, event, from, reason, mut detail) = match &decision.step {
            None => {
                if !matches!(outcome.kind, OutcomeKind::Posted { .. }) {
                    return None;
                }
                ("greeting".to_owned(), "greeted", None, None, None)
            }
            Some(step) => {
                let (from, reason, detail) = describe(&step.action);
                (
                    step.id.clone(),
                    step.action.event().name(),
                    from,
                    reason,
                    detail,
                )
            }
        };
        let (revid, postid) = match &outcome.kind {
            OutcomeKind::Posted { revid, postid, .. } => {
                (Some(*revid).filter(|r| *r > 0), postid.clone())
            }
            OutcomeKind::Skipped { reason } => {
                detail = Some(reason.clone());
                (None, None)
            }
            OutcomeKind::Failed { code, info } => {
                detail = Some(format!("{code}: {info}"));
                (None, None)
            }
            OutcomeKind::DryRun { .. } | OutcomeKind::Noted => (None, None),
        };
        Some(EventRow {
            request_id: decision.request.request_id.to_string(),
            step,
            event: event.to_owned(),
            at: outcome.at.sql(),
            mentor_id: decision.mentor.id,
            mentor: decision.mentor.name.clone(),
            level: decision.level.name().to_owned(),
            from,
            reason,
            detail: detail.map(|d| d.chars().take(DETAIL_CHARS).collect()),
            outcome: outcome.kind.name().to_owned(),
            revid,
            postid,
            explanation: decision
                .explanation
                .as_ref()
                .filter(|_| decision.step.is_some())
                .and_then(|e| serde_json::to_string(e).ok()),
            trace_id: trace_id.map(str::to_owned),
        })
    }

    fn values(&self, programme: &str) -> Vec<Value> {
        vec![
            Value::from(&self.request_id),
            Value::from(&self.step),
            Value::from(&self.event),
            Value::from(&self.at),
            Value::from(self.mentor_id),
            Value::from(&self.mentor),
            Value::from(&self.level),
            Value::from(self.from.as_ref().map(|f| f.0)),
            Value::from(self.from.as_ref().map(|f| f.1.as_str())),
            Value::from(self.reason.as_deref()),
            Value::from(self.detail.as_deref()),
            Value::from(&self.outcome),
            Value::from(self.revid),
            Value::from(self.postid.as_deref()),
            Value::from(self.explanation.as_deref()),
            Value::from(self.trace_id.as_deref()),
            Value::from(programme),
        ]
    }
}

/// The mentor before, the reason's name and a sentence, for a step's action.
type Described = (Option<(u64, String)>, Option<String>, Option<String>);

fn describe(action: &Action) -> Described {
    match action {
        Action::Contacted { contact } => (
            None,
            None,
            Some(format!(
                "{} edited {} (revision {})",
                contact.by.name, contact.page, contact.revid
            )),
        ),
        Action::Nudge { silent_since } => {
            (None, None, Some(format!("no contact since {silent_since}")))
        }
        Action::Reassign { from, why } => {
            let detail = match why {
                Why::Silent { days } => format!("{} was silent for {days} days", from.name),
                Why::MentorLeft { how } => format!("{} {}", from.name, departed(how)),
                Why::Wish { asked } => format!("the learner asked at {asked}"),
                Why::PickedUp => "a mentor became free".to_owned(),
            };
            let from = Some((from.id, from.name.clone()));
            (from, Some(why.name().to_owned()), Some(detail))
        }
        Action::Close { why } => {
            let (name, detail) = match why {
                Closing::Graduated => (
                    "graduated",
                    "the request was taken off after contact".to_owned(),
                ),
                Closing::Withdrawn => (
                    "withdrawn",
                    "the request was taken off before any contact".to_owned(),
                ),
                Closing::LearnerInactive { days } => (
                    "learner-inactive",
                    format!("no edit by the learner for {days} days"),
                ),
                Closing::LearnerBlocked => ("learner-blocked", "the learner is blocked".to_owned()),
            };
            (None, Some(name.to_owned()), Some(detail))
        }
    }
}

fn departed(how: &Departure) -> String {
    match how {
        Departure::OptedOut => "opted out".into(),
        Departure::Blocked => "is blocked".into(),
        Departure::NotListed => "left every mentor category".into(),
        Departure::Inactive { last_edit, days } => {
            format!("has not edited for {days} days (last edit {last_edit})")
        }
    }
}

const COLUMNS: [&str; 17] = [
    "request_id",
    "step",
    "event",
    "at",
    "mentor_id",
    "mentor",
    "level",
    "from_id",
    "from_name",
    "reason",
    "detail",
    "outcome",
    "revid",
    "postid",
    "explanation",
    "trace_id",
    "programme",
];

/// The most rows one INSERT carries (MySQL allows 65,535 placeholders).
const ROWS_PER_STATEMENT: usize = 65_535 / COLUMNS.len();

impl Db {
    /// Writes `rows`, keeping a step recorded before as it is, except a dry run's, which the
    /// real outcome replaces (as in `matches`). Returns MySQL's affected rows.
    pub async fn record_events(&self, rows: &[EventRow]) -> Result<u64, DbError> {
        let mut changed = 0;
        let mut conn = self.conn().await?;
        let replace = COLUMNS
            .iter()
            .filter(|c| !matches!(**c, "request_id" | "step" | "outcome"))
            .chain(&["outcome"])
            .map(|c| format!("{c} = IF(outcome = 'dry-run', VALUES({c}), {c})"))
            .collect::<Vec<_>>()
            .join(", ");
        let row = format!("({})", vec!["?"; COLUMNS.len()].join(", "));
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO match_events ({}) VALUES {} ON DUPLICATE KEY UPDATE {replace}",
                COLUMNS.join(", "),
                vec![row.as_str(); chunk.len()].join(", ")
            );
            let params: Vec<Value> = chunk
                .iter()
                .flat_map(|r| r.values(&self.programme))
                .collect();
            self.answer(conn.exec_drop(sql, Params::Positional(params)))
                .await?;
            changed += conn.affected_rows();
        }
        Ok(changed)
    }
}
