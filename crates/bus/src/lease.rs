//! Leases: which one of several replicas acts, when only one may (the scanner), and a fence
//! that keeps a replica that lost its lease from writing.
//!
//! A lease is a key holding `<sig> <holder> <nonce>` with a time to live. The holder renews it
//! well before it runs out; a replica that dies stops renewing, and a standby takes it once it
//! has expired. A holder paused past its lease (SIGSTOP, a frozen VM, a partition) may wake up
//! believing it still holds it, so every write it makes goes through [`Bus::commit_fenced`]:
//! the lease is watched and compared in the same transaction as the write, and a lease that
//! passed to someone else refuses it.
//!
//! The value is signed like everything else on a shared Redis. A stranger who writes the key
//! cannot make a replica believe it holds the lease; a value that does not verify is not a
//! holder at all, and a standby replaces it.

use std::time::Duration;

use rand::RngExt;

use crate::bus::Bus;
use crate::commit::Commit;
use crate::error::BusError;
use crate::time::{millis, unix_ms};

/// The scanner's lease: its holder polls, reconciles and writes the scanner's state.
pub const SCANNER_LEASE: &str = "scanner:lease";

/// How often a fenced commit is tried when only the watch stopped it: the holder's own
/// renewal touches the lease too, and a renewal comes at most every second or so.
const FENCE_TRIES: usize = 10;

/// Sets the lease if it holds what the caller saw (nothing, or a value that did not verify).
const TAKE: &str = r"
local v = redis.call('GET', KEYS[1])
if (v == false and ARGV[1] == '') or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
";

/// Extends the lease if it is still the caller's.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// Drops the lease if it is still the caller's.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// A lease this replica holds (or held: see [`Bus::renew_lease`]).
#[derive(Debug, Clone)]
pub struct Lease {
    name: &'static str,
    value: String,
    holder: String,
    ttl: Duration,
}

impl Lease {
    /// Who holds it: the name the replica gave.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// How long it lasts after each renewal.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// Who holds a lease, as `matchbot status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeaseStatus {
    /// The holder's name; `None` when the value there is not MatchBot's (a standby will
    /// replace it).
    pub holder: Option<String>,
    /// Milliseconds until it runs out unless renewed.
    pub expires_in_ms: Option<u64>,
}

impl Bus {
    /// Takes lease `name` for `holder` for `ttl`, if nobody holds it: `None` when someone does.
    pub async fn take_lease(
        &self,
        name: &'static str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, BusError> {
        let seen = self.value(name).await?;
        if let Some(seen) = &seen {
            if self.lease_holder_of(name, seen).is_some() {
                return Ok(None);
            }
            tracing::warn!(
                lease = name,
                "the lease in Redis is not signed by MatchBot: replacing it"
            );
        }
        let nonce: u128 = rand::rng().random();
        let content = format!("{holder} {nonce:032x}");
        let value = format!("{} {content}", self.keys().sign(name, &content));
        let mut conn = self.connection();
        let taken: i64 = redis::Script::new(TAKE)
            .key(self.key(name))
            .arg(seen.as_deref().unwrap_or(""))
            .arg(&value)
            .arg(millis(ttl))
            .invoke_async(&mut conn)
            .await?;
        Ok((taken == 1).then(|| Lease {
            name,
            value,
            holder: holder.to_owned(),
            ttl,
        }))
    }

    /// Extends `lease` by its time to live: false when it is no longer this replica's (it
    /// expired, and perhaps another took it), after which nothing fenced by it can be written.
    pub async fn renew_lease(&self, lease: &Lease) -> Result<bool, BusError> {
        let mut conn = self.connection();
        let renewed: i64 = redis::Script::new(RENEW)
            .key(self.key(lease.name))
            .arg(&lease.value)
            .arg(millis(lease.ttl))
            .invoke_async(&mut conn)
            .await?;
        Ok(renewed == 1)
    }

    /// Gives `lease` up, so that a standby need not wait for it to run out.
    pub async fn release_lease(&self, lease: &Lease) -> Result<(), BusError> {
        let mut conn = self.connection();
        let _: i64 = redis::Script::new(RELEASE)
            .key(self.key(lease.name))
            .arg(&lease.value)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Who holds lease `name`, if anyone.
    pub async fn lease_status(&self, name: &'static str) -> Result<Option<LeaseStatus>, BusError> {
        let mut conn = self.connection();
        let (value, ttl): (Option<String>, i64) = redis::pipe()
            .get(self.key(name))
            .pttl(self.key(name))
            .query_async(&mut conn)
            .await?;
        Ok(value.map(|value| LeaseStatus {
            holder: self.lease_holder_of(name, &value),
            expires_in_ms: u64::try_from(ttl).ok(),
        }))
    }

    /// Notes that `replica` wants lease `name` (holding it or standing by), for `matchbot
    /// status`'s count of replicas.
    pub async fn note_candidate(&self, name: &str, replica: &str) -> Result<(), BusError> {
        let key = self.key(&candidates(name));
        let now = unix_ms();
        let mut conn = self.connection();
        redis::pipe()
            .zadd(&key, replica, now)
            .ignore()
            .zrembyscore(&key, "-inf", now.saturating_sub(86_400_000))
            .ignore()
            .expire(&key, 86_400)
            .ignore()
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// The replicas that wanted lease `name` within the last `within`, most recent first.
    pub async fn lease_candidates(
        &self,
        name: &str,
        within: Duration,
    ) -> Result<Vec<String>, BusError> {
        let since = unix_ms().saturating_sub(millis(within));
        let mut conn = self.connection();
        Ok(redis::cmd("ZRANGE")
            .arg(self.key(&candidates(name)))
            .arg("+inf")
            .arg(since)
            .arg("BYSCORE")
            .arg("REV")
            .arg("LIMIT")
            .arg(0)
            .arg(100)
            .query_async(&mut conn)
            .await?)
    }

    /// Runs `commit` only while `lease` is still this replica's, checked in the same
    /// transaction: [`BusError::LeaseLost`] when it is not (and nothing was written).
    pub async fn commit_fenced(&self, commit: Commit, lease: &Lease) -> Result<(), BusError> {
        if commit.is_empty() {
            return Ok(());
        }
        for _ in 0..FENCE_TRIES {
            let mut watch = self.watch(&[lease.name.to_owned()]).await?;
            if watch.value(self, lease.name).await?.as_deref() != Some(lease.value.as_str()) {
                return Err(BusError::LeaseLost { lease: lease.name });
            }
            if watch.commit(self, &commit).await? {
                return Ok(());
            }
        }
        // Touched again and again while still ours: something else writes the key.
        Err(BusError::LeaseLost { lease: lease.name })
    }

    /// The holder named in a stored lease value, if it is MatchBot's.
    fn lease_holder_of(&self, name: &str, value: &str) -> Option<String> {
        let (sig, content) = value.split_once(' ')?;
        self.keys().verify(name, content, Some(sig)).ok()?;
        let (holder, _nonce) = content.rsplit_once(' ')?;
        Some(holder.to_owned())
    }
}

/// The sorted set of the replicas that want lease `name`, scored by when they last said so.
fn candidates(name: &str) -> String {
    format!("{name}:replicas")
}
