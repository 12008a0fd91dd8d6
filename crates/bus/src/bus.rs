//! The connection to Redis, the prefix its keys live under, and running commits.

use std::time::Duration;

use deadpool_redis::{Manager, Pool, Runtime};
use redis::AsyncConnectionConfig;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::commit::Commit;
use crate::error::BusError;
use crate::keys::Keys;
use crate::signing::Signing;

/// When entries are handed out again, and when they are given up on: the `redis` section's
/// `claim_idle_seconds` and `max_deliveries`, whose defaults live with that section.
#[derive(Debug, Clone, Copy)]
pub struct Redelivery {
    /// An entry pending this long with any consumer is taken over by the next one that looks
    /// (XAUTOCLAIM). It must exceed the slowest handling of one entry, or a live consumer's
    /// entry is handled twice.
    pub claim_idle: Duration,
    /// An entry handed out this many times without an ack goes to the dead-letter stream: it
    /// is presumably what keeps killing its worker.
    pub max_deliveries: u64,
}

/// A connection to the bus, and the prefix its keys live under. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    client: redis::Client,
    conn: ConnectionManager,
    /// Connections of their own, for transactions that watch keys (see `dedicated`).
    dedicated: deadpool_redis::Pool,
    keys: Keys,
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
    /// Connects to the Redis at `url`; every key name is derived from `prefix`, and every
    /// entry and the mentor pool are signed and verified with `signing`. Consumers hand out
    /// and give up on entries as `redelivery` says, and trim what their stage has handled from
    /// its stream once it is older than `keep_handled`.
    pub async fn connect(
        url: &str,
        prefix: &str,
        signing: Signing,
        redelivery: Redelivery,
        keep_handled: Duration,
    ) -> Result<Bus, BusError> {
        if signing.is_empty() {
            return Err(BusError::NoSigningKey);
        }
        let client = redis::Client::open(url)?;
        // Commands on this connection never block server-side, so a few seconds is generous;
        // the blocking reads each get their own connection (see `Consumer`).
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(10)));
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        let dedicated = dedicated_pool(&client)?;
        Ok(Bus {
            client,
            conn,
            dedicated,
            keys: Keys::new(prefix, signing),
            redelivery,
            keep_handled,
        })
    }

    /// Another bus on the same Redis connections: for the programmes of one process, whose
    /// keys live under prefixes of their own but which need not each hold a command connection
    /// and a pool of their own. Only a consumer's blocking reads stay on a connection per bus.
    pub fn sharing(
        &self,
        prefix: &str,
        signing: Signing,
        redelivery: Redelivery,
        keep_handled: Duration,
    ) -> Result<Bus, BusError> {
        if signing.is_empty() {
            return Err(BusError::NoSigningKey);
        }
        Ok(Bus {
            client: self.client.clone(),
            conn: self.conn.clone(),
            dedicated: self.dedicated.clone(),
            keys: Keys::new(prefix, signing),
            redelivery,
            keep_handled,
        })
    }

    /// The same bus for one programme of several: `programme` is signed into every value it
    /// writes and expected in every value it reads, so an entry copied from another
    /// programme's stream goes to the dead-letter stream instead of being handled here.
    pub fn scoped(self, programme: &str) -> Bus {
        Bus {
            keys: self.keys.scoped(programme),
            ..self
        }
    }

    pub(crate) fn keep_handled(&self) -> Duration {
        self.keep_handled
    }

    pub(crate) fn redelivery(&self) -> Redelivery {
        self.redelivery
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.keys
    }

    pub(crate) fn redis_client(&self) -> &redis::Client {
        &self.client
    }

    pub(crate) fn dedicated(&self) -> &deadpool_redis::Pool {
        &self.dedicated
    }

    /// The full key of `name`, derived from the prefix. For tests and tools that look at the
    /// bus's keys directly; the workers go through the bus's own methods.
    pub fn key(&self, name: &str) -> String {
        self.keys.key(name)
    }

    /// What every key of this bus starts with (a tag derived from the prefix): `SCAN` with
    /// it and `*` lists them all.
    pub fn namespace(&self) -> &str {
        self.keys.namespace()
    }

    /// The signature (field `sig`) an entry of `stream` carrying `payload` must have: for
    /// tests and tools that write entries with ids of their own. Everything else is signed by
    /// the bus as it is written.
    pub fn signature(&self, stream: crate::Stream, payload: &str) -> String {
        self.keys.sign(stream.name(), payload)
    }

    /// A connection for plain commands on keys built with [`Bus::key`]. Clones share one
    /// socket; never use it for a blocking read.
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// A new, empty commit.
    pub fn commit_builder(&self) -> Commit {
        Commit::new(self.keys.clone())
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
        // Nothing is watched on the shared connection, so EXEC always runs.
        self.run_commit(&mut conn, &commit).await.map(|_| ())
    }

    /// Runs `commit` as one MULTI/EXEC on `conn`: false when EXEC did not run because a key
    /// watched on `conn` changed.
    pub(crate) async fn run_commit(
        &self,
        conn: &mut impl redis::aio::ConnectionLike,
        commit: &Commit,
    ) -> Result<bool, BusError> {
        let (pipe, sends) = commit.parts();
        match pipe.query_async::<Option<Vec<String>>>(conn).await {
            Ok(Some(ids)) => {
                for (send, id) in sends.iter().zip(&ids) {
                    send.record("messaging.message.id", id.as_str());
                }
                Ok(true)
            }
            // Not sent: the caller reads again and sends anew.
            Ok(None) => Ok(false),
            Err(e) => {
                for send in sends {
                    send.record("otel.status_code", "error");
                }
                Err(e.into())
            }
        }
    }

    /// The server's clock, in milliseconds: entry ids are stamped with it, so ages are
    /// measured against it rather than this machine's.
    pub(crate) async fn server_ms(&self) -> Result<u64, BusError> {
        let mut conn = self.connection();
        let (seconds, micros): (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await?;
        Ok(seconds * 1000 + micros / 1000)
    }
}

/// How many transactions of one process can be under way at once. Every worker runs one at a
/// time; the spare ones serve a transaction whose connection is still being recycled.
const CONNECTIONS: usize = 4;

/// The pool of connections of their own, for transactions that watch keys (see `dedicated`).
fn dedicated_pool(client: &redis::Client) -> Result<Pool, BusError> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(10)));
    let manager = Manager::new_with_config(client.get_connection_info().clone(), config)?;
    Pool::builder(manager)
        .max_size(CONNECTIONS)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .map_err(|e| BusError::NoConnection(e.to_string()))
}
