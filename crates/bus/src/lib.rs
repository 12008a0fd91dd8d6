//! The Redis-stream bus between MatchBot's workers.
//!
//! # Brief overview
//!
//! A [`Bus`] is one Redis connection plus the key prefix every key carries (on Toolforge's shared,
//! password-less Redis the prefix is the only thing keeping other tools out, so it is treated as a
//! secret). Producers build a [`Commit`] and [`Bus::commit`] it; a stage reads with a [`Consumer`]
//! of its own consumer group, and every entry it is handed must end in the same [`Commit`] that
//! emits its result downstream: the emit and the ack are one MULTI/EXEC, so an entry is never both
//! acknowledged and lost, nor emitted twice by one successful commit.
//!
//! Delivery is at least once. A consumer reads its own pending entries before new ones, takes over
//! entries a stopped consumer left pending (XAUTOCLAIM, after [`Redelivery::claim_idle`]), and
//! moves to the dead-letter stream, with its stage, reason, delivery count and payload, every
//! entry that cannot be parsed (bad JSON, missing fields, a body trimmed away) or was handed out
//! more than [`Redelivery::max_deliveries`] times: a poison entry never crash-loops a worker.
//!
//! Streams are never capped by length, which would drop a long backlog unread: each consumer
//! trims from its stream what every group reading it has handled, once it is older than
//! [`Bus::keeping_handled`] (an hour by default). Only the dead-letter stream is capped.
//!
//! [`BusError::is_transient`] tells an outage (Redis restarting, unreachable, loading its data)
//! from a refusal; the workers wait out the first and stop on the second.
//!
//! # Layout
//!
//! - `stream`: the stream names and the payload encoding.
//! - `consumer`: reading a stage's entries (its own pending ones first), dead-lettering.
//! - `commit`: emits, acks and state writes that land together or not at all.
//! - `export`: a stream's entries as JSON lines, and back (`matchbot stream export|replay`).
//! - `trace`: the spans that carry one trace per request through the streams.
//! - `inspect`: what `matchbot status` and `matchbot dlq` read and change.
#![deny(missing_docs)]

mod commit;
mod consumer;
mod export;
mod inspect;
mod stream;
mod trace;

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use commit::Commit;
pub use consumer::{Consumer, Delivery, Redelivery, trace_id};
pub use export::ExportedEntry;
pub use inspect::{
    ConsumerStatus, DeadLetter, GroupStatus, RetryError, RetryRefused, StreamStatus,
};
pub use stream::Stream;
pub use trace::{TRACE_ID_FIELD, request_span};

/// The key (under the prefix) of the mentor pool: written whole by the scanner, in the same
/// MULTI/EXEC as the requests it found, read by the matcher. One value replaced whole means a
/// reader never sees half an update.
pub const MENTOR_POOL: &str = "mentor-pool";

/// The key (under the prefix) of the scanner's cursor: the wiki's time at its last poll.
pub const SCANNER_CURSOR: &str = "scanner:cursor";

/// What can go wrong talking to the bus.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// Redis refused a command or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A payload could not be encoded as JSON (a bug: every payload type serialises).
    #[error("cannot encode a stream payload: {0}")]
    Encode(#[from] serde_json::Error),
}

impl BusError {
    /// True when Redis is unreachable, restarting or still loading its data: the same command
    /// will work once it is back. False for a refusal that will not change by waiting.
    pub fn is_transient(&self) -> bool {
        match self {
            BusError::Redis(e) => is_transient(e),
            BusError::Encode(_) => false,
        }
    }
}

/// [`BusError::is_transient`] for a bare Redis error (from a command outside the bus).
pub fn is_transient(e: &redis::RedisError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
        || matches!(
            e.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::ReadOnly
            )
        )
}

/// A connection to the bus, and the prefix its keys live under. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    redelivery: Redelivery,
    keep_handled: Duration,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The prefix is a secret on Toolforge; the URL may hold a password.
        f.write_str("Bus { .. }")
    }
}

impl Bus {
    /// Connects to the Redis at `url`; every key will start with `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<Bus, BusError> {
        let client = redis::Client::open(url)?;
        // Commands on this connection never block server-side, so a few seconds is generous;
        // the blocking reads each get their own connection (see `Consumer`).
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(10)));
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Bus {
            client,
            conn,
            prefix: prefix.to_owned(),
            redelivery: Redelivery::default(),
            keep_handled: Duration::from_secs(3600),
        })
    }

    /// Connects as the configuration's `redis` section says.
    pub async fn from_config(config: &matchbot_config::RedisConfig) -> Result<Bus, BusError> {
        let bus = Bus::connect(config.url.expose(), config.prefix.expose()).await?;
        Ok(bus
            .with_redelivery(Redelivery {
                claim_idle: config.claim_idle,
                max_deliveries: config.max_deliveries,
            })
            .keeping_handled(config.keep_handled))
    }

    /// The same bus, whose consumers trim what their stage has handled from its stream once it
    /// is older than `keep` (default an hour).
    pub fn keeping_handled(mut self, keep: Duration) -> Bus {
        self.keep_handled = keep;
        self
    }

    pub(crate) fn keep_handled(&self) -> Duration {
        self.keep_handled
    }

    /// The same bus, whose consumers hand out and give up on entries as `redelivery` says.
    pub fn with_redelivery(mut self, redelivery: Redelivery) -> Bus {
        self.redelivery = redelivery;
        self
    }

    pub(crate) fn redelivery(&self) -> Redelivery {
        self.redelivery
    }

    /// The full key of `name`: the prefix, then the name.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A connection for plain commands on keys built with [`Bus::key`] (the mentor pool, the
    /// scanner's cursor). Clones share one socket; never use it for a blocking read.
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// A new, empty commit.
    pub fn commit_builder(&self) -> Commit {
        Commit::new(self.clone())
    }

    /// Runs `commit` as one MULTI/EXEC: all of it happens or none of it.
    ///
    /// Cancel safety: if the future is dropped the transaction may or may not have run; callers
    /// must treat that as "not acknowledged" and let the entry be delivered again.
    pub async fn commit(&self, commit: Commit) -> Result<(), BusError> {
        if commit.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        let (pipe, sends) = commit.into_parts();
        match pipe.query_async::<Vec<String>>(&mut conn).await {
            Ok(ids) => {
                for (send, id) in sends.iter().zip(&ids) {
                    send.record("messaging.message.id", id.as_str());
                }
                Ok(())
            }
            Err(e) => {
                for send in &sends {
                    send.record("otel.status_code", "error");
                }
                Err(e.into())
            }
        }
    }

    /// Joins `stage`'s consumer group on `stream` as `consumer`, creating the group if needed.
    pub async fn consumer(
        &self,
        stream: Stream,
        stage: &str,
        consumer: &str,
        block: Duration,
    ) -> Result<Consumer, BusError> {
        Consumer::join(self, stream, stage, consumer, block).await
    }

    fn redis_client(&self) -> &redis::Client {
        &self.client
    }
}
