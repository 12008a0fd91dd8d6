//! MatchBot's MySQL side: the `matches` table, its migrations, and writing rows.
//!
//! # Brief overview
//!
//! [`Db::connect`] opens a pool on the configured database. [`Db::migrate`] applies the SQL files
//! of `migrations/` that have not been applied yet, in order, and notes each in
//! `matchbot_schema`; [`Db::require_current_schema`] is what a worker calls at start so it never
//! writes into a table it does not understand. [`Db::record`] writes one row per outcome,
//! idempotently: a request already recorded is left as it is. [`Db::handled`] tells the
//! scanner's reconcile which requests need nothing more, including those the original MatchBot
//! recorded. [`Db::handled_between`] reads a period's rows for `matchbot report`.
//!
//! Beside `matches`, `match_events` holds each match's life after its greeting:
//! [`Db::record_events`] writes its rows ([`EventRow`]), [`Db::open_matches`] reads the matches
//! still followed, with their history, for the scanner's checkups, and [`Db::events_of`] one
//! request's history for `matchbot explain`.
#![deny(missing_docs)]

mod events;
mod handled;
mod handled_rows;
mod migrate;
mod open;
mod row;

use matchbot_config::{DEFAULT_PROGRAMME, DbConfig};
use mysql_async::prelude::Queryable;
use mysql_async::{OptsBuilder, Pool, PoolOpts};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

pub use events::EventRow;
pub use handled::RequestKey;
pub use handled_rows::HandledRow;
pub use migrate::{MIGRATIONS, Migration};
pub use open::{OpenMatch, RecordedEvent};
pub use row::{MatchRow, Recorded};

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The server refused or the connection failed.
    #[error("mysql: {0}")]
    Mysql(#[from] mysql_async::Error),
    /// The server did not answer in time: it is hung, overloaded or unreachable.
    #[error("mysql: no answer {what} within {} s", after.as_secs_f64())]
    Timeout {
        /// What was waited for.
        what: &'static str,
        /// How long.
        after: Duration,
    },
    /// The schema is not the one this build writes.
    #[error("{}", wrong_schema(*found, *needed))]
    WrongSchema {
        /// The version found (0: never migrated).
        found: u32,
        /// The version this build needs.
        needed: u32,
    },
}

/// What to do about a schema of the wrong version: an older one can be migrated, a newer one
/// was written by a newer MatchBot, and migrating would not help.
fn wrong_schema(found: u32, needed: u32) -> String {
    if found < needed {
        format!(
            "the matches schema is at version {found} but this MatchBot needs version {needed}: run `matchbot migrate`"
        )
    } else {
        format!(
            "the matches schema is at version {found}, newer than this MatchBot knows (version {needed}): run the MatchBot that migrated it, or a newer one"
        )
    }
}

impl DbError {
    /// True when the server refused a row for what it holds (a value too long for its column,
    /// not valid in its character set, out of range, or missing): the same row will be
    /// refused again, while other rows are fine.
    pub fn is_row_refused(&self) -> bool {
        // 1048 column cannot be null, 1264 out of range, 1292 incorrect value, 1366 incorrect
        // string value, 1406 data too long, 4025 a CHECK (such as JSON validity) failed.
        matches!(self, DbError::Mysql(mysql_async::Error::Server(e))
            if matches!(e.code, 1048 | 1264 | 1292 | 1366 | 1406 | 4025))
    }

    /// True when the database is unreachable, restarting or briefly busy (a lost connection, a
    /// deadlock, a lock wait): the same statement will work later. False for refusals such as
    /// bad credentials, a missing table or the wrong schema.
    pub fn is_transient(&self) -> bool {
        use mysql_async::{DriverError, Error};
        match self {
            DbError::Mysql(Error::Io(_)) | DbError::Timeout { .. } => true,
            DbError::Mysql(Error::Driver(
                DriverError::ConnectionClosed
                | DriverError::PoolDisconnected
                | DriverError::PacketOutOfOrder
                | DriverError::UnexpectedPacket { .. },
            )) => true,
            // 1040 too many connections, 1053 server shutdown in progress, 1205 lock wait
            // timeout, 1213 deadlock, 1927 connection killed, 2006/2013 server gone away.
            DbError::Mysql(Error::Server(e)) => {
                matches!(e.code, 1040 | 1053 | 1205 | 1213 | 1927 | 2006 | 2013)
            }
            DbError::Mysql(_) | DbError::WrongSchema { .. } => false,
        }
    }
}

/// A pool of connections to the match database.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// `dbinfo.connect_timeout_seconds`: for a connection, from the pool or a new one.
    connect_timeout: Duration,
    /// `dbinfo.query_timeout_seconds`: for one statement's answer.
    query_timeout: Duration,
    /// The programme whose rows this handle writes and reads (see [`Db::for_programme`]).
    programme: Arc<str>,
    /// Held by every handle on the pool: the last one closed disconnects it.
    owners: Arc<()>,
}

/// The pools of this process, one per database, shared by its programmes (see
/// [`Db::shared`]); an entry whose handles are all gone is made again.
static POOLS: Mutex<Vec<(String, Pool, Weak<()>)>> = Mutex::new(Vec::new());

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db { .. }")
    }
}

impl Db {
    /// Opens a pool on the configured database (which must exist; see [`Db::create_database`]).
    pub fn connect(config: &DbConfig) -> Db {
        Db {
            pool: Pool::new(options(config).db_name(Some(&config.name))),
            connect_timeout: config.connect_timeout,
            query_timeout: config.query_timeout,
            programme: DEFAULT_PROGRAMME.into(),
            owners: Arc::new(()),
        }
    }

    /// Like [`Db::connect`], but one pool per database for the whole process: the programmes
    /// a worker serves share their `dbinfo`, and a pool each would cost the server a
    /// connection per programme (MariaDB allows 151 by default).
    pub fn shared(config: &DbConfig) -> Db {
        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}",
            config.host, config.port, config.user, config.name
        );
        let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
        pools.retain(|(_, _, owners)| owners.strong_count() > 0);
        if let Some((_, pool, owners)) = pools.iter().find(|(k, _, _)| *k == key)
            && let Some(owners) = owners.upgrade()
        {
            return Db {
                pool: pool.clone(),
                connect_timeout: config.connect_timeout,
                query_timeout: config.query_timeout,
                programme: DEFAULT_PROGRAMME.into(),
                owners,
            };
        }
        let db = Db::connect(config);
        pools.push((key, db.pool.clone(), Arc::downgrade(&db.owners)));
        db
    }

    /// The same database for `programme`'s rows: every row written carries it, and every read
    /// sees that programme's rows only. Without it, a handle is the default programme's, which
    /// every row from before programmes belongs to.
    pub fn for_programme(self, programme: &str) -> Db {
        Db {
            programme: programme.into(),
            ..self
        }
    }

    /// Creates the configured database if it does not exist yet.
    pub async fn create_database(config: &DbConfig) -> Result<(), DbError> {
        let db = Db {
            pool: Pool::new(options(config)),
            connect_timeout: config.connect_timeout,
            query_timeout: config.query_timeout,
            programme: DEFAULT_PROGRAMME.into(),
            owners: Arc::new(()),
        };
        let mut conn = db.conn().await?;
        let name = config.name.replace('`', "``");
        db.answer(conn.query_drop(format!(
            "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4"
        )))
        .await?;
        drop(conn);
        db.close().await
    }

    /// A connection from the pool.
    pub async fn conn(&self) -> Result<mysql_async::Conn, DbError> {
        within(
            self.connect_timeout,
            "to a connection",
            self.pool.get_conn(),
        )
        .await
    }

    /// `statement`'s answer, or [`DbError::Timeout`] when the server sends none in time: a
    /// hung server must become an error the worker can wait out, not a worker that hangs.
    pub async fn answer<T>(
        &self,
        statement: impl Future<Output = Result<T, mysql_async::Error>>,
    ) -> Result<T, DbError> {
        within(self.query_timeout, "to a statement", statement).await
    }

    /// Closes the pool, waiting for connections to finish; a pool other handles still use
    /// (another programme's, see [`Db::shared`]) is left open for them.
    pub async fn close(self) -> Result<(), DbError> {
        if Arc::strong_count(&self.owners) > 1 {
            return Ok(());
        }
        let limit = self.connect_timeout;
        within(limit, "while closing", self.pool.disconnect()).await
    }
}

async fn within<T>(
    limit: Duration,
    what: &'static str,
    work: impl Future<Output = Result<T, mysql_async::Error>>,
) -> Result<T, DbError> {
    match tokio::time::timeout(limit, work).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(DbError::Timeout { what, after: limit }),
    }
}

fn options(config: &DbConfig) -> OptsBuilder {
    OptsBuilder::default()
        .ip_or_hostname(config.host.clone())
        .tcp_port(config.port)
        .user(Some(config.user.clone()))
        .pass(Some(config.password.expose().to_owned()))
        .prefer_socket(false)
        // By default a connection is reset when it goes back to the pool, which throws away
        // its prepared statements: every batch's upsert was prepared again (10,000 parameter
        // definitions sent back for 500 rows) and cost a reset round trip. MatchBot sets no
        // session state, so there is nothing to reset.
        .pool_opts(PoolOpts::default().with_reset_connection(false))
        // A batch's upsert has 10,000 parameters, and each prepared statement cached holds
        // their definitions: a few statements (the full batch's stays hot) rather than 32.
        .stmt_cache_size(4)
}

/// The size above which mysql_async shrinks a buffer it takes back into its pool.
const CLIENT_BUFFER_CAP: &str = "65536";

/// Keeps mysql_async's pooled buffers small. Its pool keeps up to 128 buffers of up to 4 MiB
/// and hands them out in turn, so every one of them grew to the size of a batch's 1.3 MB
/// upsert: the recorder's memory rose to 170 MB over 100,000 rows (the pipeline benchmark).
/// Buffers above 64 KiB are now shrunk when they go back.
///
/// mysql_async reads this from the environment once, so call this first thing in `main`,
/// before any thread starts. An operator's own `MYSQL_ASYNC_BUFFER_SIZE_CAP` is kept.
pub fn limit_client_buffers() {
    const VAR: &str = "MYSQL_ASYNC_BUFFER_SIZE_CAP";
    if std::env::var_os(VAR).is_none() {
        // SAFETY: called at the start of `main`, while the process has a single thread, so
        // nothing reads the environment concurrently.
        unsafe { std::env::set_var(VAR, CLIENT_BUFFER_CAP) };
    }
}
