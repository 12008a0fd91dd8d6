use std::collections::HashSet;

use matchbot_model::{RequestId, Timestamp};
use mysql_async::prelude::Queryable;
use mysql_async::{Params, Value};

use crate::{Db, DbError};

/// Profiles looked up per statement.
const BATCH: usize = 500;

/// What names a request in `matches`: its id, and for the original MatchBot's rows, which have
/// none, its profile, category and category-add time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    /// The request id.
    pub request_id: RequestId,
    /// The learner's profile page id (`lprofileid`).
    pub profile_id: u64,
    /// The request category (`category`).
    pub category: String,
    /// When the category was added (`cataddtime`).
    pub category_added: Timestamp,
}

impl Db {
    /// Of `requests`, those the `matches` table says were handled, so a reconcile never hands
    /// them out again: a MatchBot row with the request's id (whatever happened, except a dry
    /// run, whose row a real run replaces), or a row of the original MatchBot, which has no
    /// request id, for the same profile, category and category-add time (the original wrote a
    /// row only after it posted).
    #[tracing::instrument(name = "sql", skip_all, fields(
        otel.name = "SELECT matches",
        otel.kind = "client",
        db.system.name = "mysql",
        db.operation.name = "SELECT",
        db.collection.name = "matches",
    ))]
    pub async fn handled(&self, requests: &[RequestKey]) -> Result<HashSet<RequestId>, DbError> {
        let mut handled = HashSet::new();
        if requests.is_empty() {
            return Ok(handled);
        }
        let mut conn = self.conn().await?;
        for batch in requests.chunks(BATCH) {
            let placeholders = vec!["?"; batch.len()].join(",");
            let sql = format!(
                "SELECT request_id, outcome, lprofileid, category, \
                 DATE_FORMAT(cataddtime, '%Y-%m-%d %H:%i:%s') \
                 FROM matches WHERE programme = ? AND lprofileid IN ({placeholders})"
            );
            // Page ids are the wiki's own: another programme's page 42 is another page.
            let ids: Vec<Value> = std::iter::once(Value::from(&*self.programme))
                .chain(batch.iter().map(|r| Value::from(r.profile_id)))
                .collect();
            type Found = (
                Option<String>,
                Option<String>,
                Option<u64>,
                Option<String>,
                Option<String>,
            );
            let rows: Vec<Found> = self.answer(conn.exec(sql, Params::Positional(ids))).await?;
            for request in batch {
                let done = rows
                    .iter()
                    .any(|(id, outcome, profile, category, added)| match id {
                        Some(id) => {
                            id == request.request_id.as_str()
                                && outcome.as_deref() != Some("dry-run")
                        }
                        None => {
                            *profile == Some(request.profile_id)
                                && category.as_deref() == Some(request.category.as_str())
                                && added.as_deref() == Some(request.category_added.sql().as_str())
                        }
                    });
                if done {
                    handled.insert(request.request_id.clone());
                }
            }
        }
        Ok(handled)
    }
}
