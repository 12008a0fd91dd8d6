//! Connections of their own, for the commands that cannot share the bus's multiplexed one:
//! `WATCH` belongs to a connection, so a transaction that must fail when a key changed under
//! it (the matcher's check of a mentor's load, the scanner's lease) needs a connection no
//! other command goes through between its `WATCH` and its `EXEC`.
//!
//! They come from a small deadpool-redis pool beside the multiplexed manager: a connection is
//! taken for one transaction and put back, and deadpool's recycling (`UNWATCH`, then `PING`)
//! makes sure none comes back still watching, or broken, from a transaction cut short.

use deadpool_redis::PoolError;

use crate::bus::Bus;
use crate::commit::Commit;
use crate::error::BusError;

impl From<PoolError> for BusError {
    fn from(e: PoolError) -> BusError {
        match e {
            PoolError::Backend(e) => BusError::Redis(e),
            other => BusError::NoConnection(other.to_string()),
        }
    }
}

/// A transaction under way: keys are watched on a connection of its own, and its commit runs
/// only if none of them changed since.
///
/// Reads made after [`Bus::watch`] returned may go through the bus's shared connection: the
/// watch is in place on the server by then, so any change that could make them stale aborts
/// the commit.
#[must_use = "a watch does nothing until its commit is run"]
pub struct Watch {
    conn: deadpool_redis::Connection,
}

impl Bus {
    /// Watches the keys of `names` (each put under the prefix) on a connection of its own.
    pub async fn watch(&self, names: &[String]) -> Result<Watch, BusError> {
        let mut conn = self.dedicated().get().await?;
        if !names.is_empty() {
            let keys: Vec<String> = names.iter().map(|n| self.key(n)).collect();
            redis::cmd("WATCH")
                .arg(&keys)
                .query_async::<()>(&mut conn)
                .await?;
        }
        Ok(Watch { conn })
    }
}

impl Watch {
    /// The value of plain key `name`, read on the watching connection.
    pub(crate) async fn value(
        &mut self,
        bus: &Bus,
        name: &str,
    ) -> Result<Option<String>, BusError> {
        Ok(redis::cmd("GET")
            .arg(bus.key(name))
            .query_async(&mut self.conn)
            .await?)
    }

    /// Runs `commit` as one MULTI/EXEC if no watched key changed since the watch began: true
    /// when it ran, false when it did not (nothing of it happened; read again and retry).
    pub async fn commit(mut self, bus: &Bus, commit: &Commit) -> Result<bool, BusError> {
        if commit.is_empty() {
            // Nothing to write; the watch ends when the connection is recycled.
            return Ok(true);
        }
        bus.run_commit(&mut self.conn, commit).await
    }
}
