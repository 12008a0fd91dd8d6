//! The bot account's edits of the day, counted once for every notifier: the daily edit cap is
//! the account's, not a process's.

use crate::bus::Bus;
use crate::commit::Commit;
use crate::error::BusError;

/// The counter (under the prefix) of the edits of `day` (`YYYY-MM-DD`, UTC).
fn counter(day: &str) -> String {
    format!("notifier:edits:{day}")
}

/// A day's counter outlives its day, so `matchbot status` can still say what yesterday did.
const KEEP_SECONDS: u64 = 2 * 24 * 3600;

/// Takes one edit of `day` if fewer than `cap` are taken, atomically: two notifiers never both
/// take the last one.
const TAKE: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return n
";

impl Bus {
    /// Takes one of the `cap` edits of `day`: the number it is, or `None` when all are taken.
    /// One taken and not used must be given back ([`Commit::give_back_edit`]).
    pub async fn take_edit(&self, day: &str, cap: u64) -> Result<Option<u64>, BusError> {
        let mut conn = self.connection();
        let n: u64 = redis::Script::new(TAKE)
            .key(self.key(&counter(day)))
            .arg(cap)
            .arg(KEEP_SECONDS)
            .invoke_async(&mut conn)
            .await?;
        Ok((n > 0).then_some(n))
    }

    /// How many edits of `day` are taken.
    pub async fn edits_on(&self, day: &str) -> Result<u64, BusError> {
        let stored = self.value(&counter(day)).await?;
        Ok(stored.and_then(|n| n.parse().ok()).unwrap_or(0))
    }
}

impl Commit {
    /// Gives back an edit of `day` that was taken and not made (the greeting was skipped, found
    /// already posted, or refused), with the outcome that says so.
    pub fn give_back_edit(&mut self, day: &str) {
        self.decr(&counter(day));
    }
}
