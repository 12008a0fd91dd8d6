//! The matches the lifecycle still follows, with their recorded history, and one request's
//! history for `matchbot explain`.

use std::collections::BTreeMap;

use matchbot_model::{Event, EventKind, Level, RequestId, Timestamp, User};
use mysql_async::prelude::Queryable;
use mysql_async::{Params, Value};

use crate::{Db, DbError};

/// A greeted match not closed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenMatch {
    /// The request.
    pub request_id: RequestId,
    /// The learner.
    pub learner: User,
    /// Their profile's page id.
    pub profile_id: u64,
    /// The talk page greeted.
    pub talk_page: String,
    /// The request category.
    pub category: String,
    /// When it was added.
    pub category_added: Timestamp,
    /// When the scan that found it started.
    pub scanned_at: Timestamp,
    /// Its recorded history, oldest first.
    pub events: Vec<Event>,
}

/// One recorded step, with what a person asking about it wants to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// The step.
    pub event: Event,
    /// A sentence about it.
    pub detail: Option<String>,
    /// The revision that posted it.
    pub revid: Option<u64>,
    /// A reassignment's explanation, as JSON.
    pub explanation: Option<String>,
}

/// Requests whose events are read per statement.
const IN_BATCH: usize = 500;

const EVENT_COLUMNS: &str = "request_id, step, event, DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ'), \
     mentor_id, mentor, level, from_id, from_name, reason, outcome, detail, revid, explanation";

impl Db {
    /// The greeted matches not closed, oldest greeting first, at most `limit`: a `matches` row
    /// posted, with a `greeted` event and no close that took effect. Rows from before the
    /// lifecycle (no `greeted` event) are not followed. A row that does not read is skipped.
    pub async fn open_matches(&self, limit: usize) -> Result<Vec<OpenMatch>, DbError> {
        type Fields = (
            String,
            Option<u64>,
            Option<String>,
            Option<u64>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let mut conn = self.conn().await?;
        let rows: Vec<Fields> = self
            .answer(conn.exec(
                "SELECT m.request_id, m.luid, m.learner, m.lprofileid, m.talk_page, m.category, \
                 DATE_FORMAT(m.cataddtime, '%Y-%m-%dT%H:%i:%sZ'), \
                 DATE_FORMAT(m.run_time, '%Y-%m-%dT%H:%i:%sZ') \
                 FROM matches m JOIN match_events g \
                   ON g.request_id = m.request_id AND g.step = 'greeting' \
                 WHERE m.programme = ? AND m.outcome = 'posted' AND NOT EXISTS (\
                   SELECT 1 FROM match_events c WHERE c.request_id = m.request_id \
                   AND c.event = 'closed' AND c.outcome IN ('posted', 'noted')) \
                 ORDER BY g.at, m.request_id LIMIT ?",
                (&*self.programme, limit as u64),
            ))
            .await?;
        let mut open = Vec::new();
        for (id, luid, learner, profile, talk, category, added, scanned) in rows {
            let read = (|| {
                Some(OpenMatch {
                    request_id: RequestId::from_stored(id.clone()),
                    learner: User {
                        name: learner?,
                        id: luid?,
                    },
                    profile_id: profile?,
                    talk_page: talk?,
                    category: category?,
                    category_added: Timestamp::parse(&added?).ok()?,
                    scanned_at: Timestamp::parse(&scanned?).ok()?,
                    events: Vec::new(),
                })
            })();
            match read {
                Some(m) => open.push(m),
                None => {
                    tracing::warn!(request = %id, "a row of matches that does not read: not followed")
                }
            }
        }
        let ids: Vec<String> = open.iter().map(|m| m.request_id.to_string()).collect();
        let mut events = self.events_of_requests(&mut conn, &ids).await?;
        for m in &mut open {
            m.events = events
                .remove(m.request_id.as_str())
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.event)
                .collect();
        }
        Ok(open)
    }

    /// The recorded history of `request_id`, oldest first.
    pub async fn events_of(&self, request_id: &str) -> Result<Vec<RecordedEvent>, DbError> {
        let mut conn = self.conn().await?;
        let mut events = self
            .events_of_requests(&mut conn, &[request_id.to_owned()])
            .await?;
        Ok(events.remove(request_id).unwrap_or_default())
    }

    /// The histories of the requests greeted, or with a step, from `from` to `to` (not
    /// included), for `matchbot report`.
    pub async fn histories_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Vec<Event>>, DbError> {
        let mut conn = self.conn().await?;
        let ids: Vec<String> = self
            .answer(conn.exec(
                "SELECT DISTINCT request_id FROM match_events \
                 WHERE programme = ? AND at >= ? AND at < ?",
                (&*self.programme, from.sql(), to.sql()),
            ))
            .await?;
        let events = self.events_of_requests(&mut conn, &ids).await?;
        Ok(events
            .into_values()
            .map(|h| h.into_iter().map(|r| r.event).collect())
            .collect())
    }

    async fn events_of_requests(
        &self,
        conn: &mut mysql_async::Conn,
        ids: &[String],
    ) -> Result<BTreeMap<String, Vec<RecordedEvent>>, DbError> {
        let mut out: BTreeMap<String, Vec<RecordedEvent>> = BTreeMap::new();
        for batch in ids.chunks(IN_BATCH) {
            let placeholders = vec!["?"; batch.len()].join(",");
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM match_events \
                 WHERE programme = ? AND request_id IN ({placeholders}) ORDER BY at, id"
            );
            let params: Vec<Value> = std::iter::once(Value::from(&*self.programme))
                .chain(batch.iter().map(Value::from))
                .collect();
            let rows: Vec<mysql_async::Row> = self
                .answer(conn.exec(sql, Params::Positional(params)))
                .await?;
            for row in rows {
                let id: String = column(&row, 0).unwrap_or_default();
                match recorded(&row) {
                    Some(event) => out.entry(id).or_default().push(event),
                    None => {
                        tracing::warn!(request = %id, "a match_events row that does not read: left out")
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Column `i` of `row`, or `None` when it is NULL or not a `T`.
fn column<T: mysql_async::prelude::FromValue>(row: &mysql_async::Row, i: usize) -> Option<T> {
    row.get_opt::<Option<T>, usize>(i)?.ok()?
}

fn recorded(row: &mysql_async::Row) -> Option<RecordedEvent> {
    let step: String = column(row, 1)?;
    let event: String = column(row, 2)?;
    let at: String = column(row, 3)?;
    let mentor_id: u64 = column(row, 4)?;
    let mentor: String = column(row, 5)?;
    let level: String = column(row, 6)?;
    let (from_id, from_name): (Option<u64>, Option<String>) = (column(row, 7), column(row, 8));
    let reason: Option<String> = column(row, 9);
    let outcome: String = column(row, 10)?;
    let detail: Option<String> = column(row, 11);
    let revid: Option<u64> = column(row, 12);
    let explanation: Option<String> = column(row, 13);
    let level = match level.as_str() {
        "skill" => Level::Skill,
        "general" => Level::General,
        "maintainer" => Level::Maintainer,
        _ => return None,
    };
    let from = match (from_id, from_name) {
        (Some(id), Some(name)) => Some(User { name, id }),
        _ => None,
    };
    Some(RecordedEvent {
        event: Event {
            step,
            kind: EventKind::from_name(&event)?,
            at: Timestamp::parse(&at).ok()?,
            mentor: User {
                name: mentor,
                id: mentor_id,
            },
            level,
            from,
            reason,
            outcome,
        },
        detail,
        revid,
        explanation,
    })
}
