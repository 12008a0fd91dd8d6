//! What a test reads of a run's database: its `matches` rows.

use mysql_async::prelude::Queryable;

use crate::run::Run;

/// One row of `matches`, the columns a person checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Learner's user id.
    pub luid: u64,
    /// Learner's profile page id.
    pub lprofileid: u64,
    /// Request category.
    pub category: String,
    /// Mentor's user id.
    pub muid: u64,
    /// Category-add time.
    pub cataddtime: String,
    /// Greeting revision.
    pub revid: Option<u64>,
    /// 1 when a mentor was found.
    pub matchmade: u8,
    /// posted, skipped, failed.
    pub outcome: String,
    /// The request id.
    pub request_id: String,
}

impl Run {
    /// The rows `sql` selects from this run's database.
    pub async fn query(&self, sql: &str) -> Vec<mysql_async::Row> {
        let pool = mysql_async::Pool::new(
            mysql_async::OptsBuilder::default()
                .ip_or_hostname("127.0.0.1")
                .tcp_port(self.db_port)
                .user(Some("root"))
                .db_name(Some(&self.db_name)),
        );
        let mut conn = pool.get_conn().await.expect("connect to MariaDB");
        let rows: Vec<mysql_async::Row> = conn
            .query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        drop(conn);
        pool.disconnect().await.expect("disconnect");
        rows
    }

    /// Every row of this run's `matches`, by request id.
    pub async fn rows(&self) -> Vec<Row> {
        let rows = self
            .query(
                "SELECT luid, lprofileid, category, muid,
                        DATE_FORMAT(cataddtime, '%Y-%m-%d %H:%i:%s'), revid, matchmade,
                        outcome, request_id
                 FROM matches ORDER BY request_id",
            )
            .await;
        rows.iter()
            .map(|r| Row {
                luid: column(r, 0),
                lprofileid: column(r, 1),
                category: column(r, 2),
                muid: column(r, 3),
                cataddtime: column(r, 4),
                revid: column(r, 5),
                matchmade: column(r, 6),
                outcome: column(r, 7),
                request_id: column(r, 8),
            })
            .collect()
    }
}

fn column<T: mysql_async::prelude::FromValue>(row: &mysql_async::Row, index: usize) -> T {
    row.get_opt(index)
        .unwrap_or_else(|| panic!("matches row has no column {index}"))
        .unwrap_or_else(|e| panic!("matches column {index} has an unexpected type: {e}"))
}
