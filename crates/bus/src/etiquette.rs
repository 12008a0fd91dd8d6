//! The bot account's edit etiquette, kept once for every notifier: the edit slot (one edit per
//! interval, whichever replica makes it), the trial's edit budget, and the kill switch's last
//! reading. Each is the account's on the wiki, not a process's.

use std::time::Duration;

use crate::bus::Bus;
use crate::error::BusError;
use crate::time::{millis, unix_ms};

/// Who holds the edit slot: the token of the replica whose edit is under way.
const SLOT_HOLDER: &str = "notifier:slot:holder";
/// When the slot is free again (server time, Unix milliseconds): an interval after the last
/// edit's request returned.
const SLOT_FREE_AT: &str = "notifier:slot:free-at";
/// The edits made under `--max-edits` by every notifier of this deployment.
const TRIAL_EDITS: &str = "notifier:trial-edits";
/// The run page's last reading, signed: `<sig> <unix ms> run` or `<sig> <unix ms> stop <what it
/// says>`.
const RUN_PAGE: &str = "notifier:run-page";

/// A trial's count of edits lasts this long after its last edit: replicas of one trial, and a
/// trial restarted soon after, share it; a trial started later counts from zero.
const TRIAL_KEEP_SECONDS: u64 = 3600;

/// Takes the slot for ARGV[1] (held ARGV[2] ms) if nobody holds it and it is free: 0 when
/// taken, the milliseconds until it is free, or -1 while another replica's edit is under way.
const TAKE_SLOT: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return 0 end
if holder then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if free > now then return free - now end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 0
";

/// Extends ARGV[1]'s hold by ARGV[2] ms, if it is still theirs.
const RENEW_SLOT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// The edit's request has returned: the slot is free an interval (ARGV[2] ms) from now, and
/// ARGV[1] no longer holds it.
const RELEASE_SLOT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = now + tonumber(ARGV[2])
local was = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if free > was then redis.call('SET', KEYS[2], free, 'PX', tonumber(ARGV[2]) + 60000) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
";

/// Milliseconds until the slot is free: 0 when it is, -1 while an edit is under way.
const SLOT_FREE_IN: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if free > now then return free - now end
return 0
";

/// Takes one of ARGV[1] trial edits: the number it is, or 0 when all are taken.
const TAKE_TRIAL_EDIT: &str = r"
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return n
";

/// Gives back a trial edit taken and not made.
const GIVE_BACK_TRIAL_EDIT: &str = r"
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
";

/// The edit slot, as [`Bus::take_edit_slot`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditSlot {
    /// Taken: send the edit now, then release it.
    Taken,
    /// Free after this long: ask again then.
    FreeIn(Duration),
    /// Another replica's edit is under way: ask again shortly.
    Busy,
}

/// The kill switch's last reading, as some notifier stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPageReading {
    /// How long ago it was read.
    pub age: Duration,
    /// What the page said, when it did not say `true` (`None`: it did).
    pub stop: Option<String>,
}

impl Bus {
    /// Takes the bot account's edit slot for `holder`, holding it for `hold` unless renewed.
    pub async fn take_edit_slot(&self, holder: &str, hold: Duration) -> Result<EditSlot, BusError> {
        let mut conn = self.connection();
        let answer: i64 = redis::Script::new(TAKE_SLOT)
            .key(self.key(SLOT_HOLDER))
            .key(self.key(SLOT_FREE_AT))
            .arg(holder)
            .arg(millis(hold))
            .invoke_async(&mut conn)
            .await?;
        Ok(match answer {
            0 => EditSlot::Taken,
            n if n > 0 => EditSlot::FreeIn(Duration::from_millis(n.unsigned_abs())),
            _ => EditSlot::Busy,
        })
    }

    /// Extends `holder`'s hold on the slot by `hold`, while its edit's request is under way.
    pub async fn renew_edit_slot(&self, holder: &str, hold: Duration) -> Result<(), BusError> {
        let mut conn = self.connection();
        let _: i64 = redis::Script::new(RENEW_SLOT)
            .key(self.key(SLOT_HOLDER))
            .arg(holder)
            .arg(millis(hold))
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Releases the slot after `holder`'s edit's request returned: the next edit, by any
    /// replica, comes `interval` from now at the earliest.
    pub async fn release_edit_slot(
        &self,
        holder: &str,
        interval: Duration,
    ) -> Result<(), BusError> {
        let mut conn = self.connection();
        let _: i64 = redis::Script::new(RELEASE_SLOT)
            .key(self.key(SLOT_HOLDER))
            .key(self.key(SLOT_FREE_AT))
            .arg(holder)
            .arg(millis(interval))
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// How long until the slot is free (zero when it is); `None` while an edit is under way.
    pub async fn edit_slot_free_in(&self) -> Result<Option<Duration>, BusError> {
        let mut conn = self.connection();
        let answer: i64 = redis::Script::new(SLOT_FREE_IN)
            .key(self.key(SLOT_HOLDER))
            .key(self.key(SLOT_FREE_AT))
            .invoke_async(&mut conn)
            .await?;
        Ok(u64::try_from(answer).ok().map(Duration::from_millis))
    }

    /// Takes one of the trial's `budget` edits; false when all are taken.
    pub async fn take_trial_edit(&self, budget: u64) -> Result<bool, BusError> {
        let mut conn = self.connection();
        let n: u64 = redis::Script::new(TAKE_TRIAL_EDIT)
            .key(self.key(TRIAL_EDITS))
            .arg(budget)
            .arg(TRIAL_KEEP_SECONDS)
            .invoke_async(&mut conn)
            .await?;
        Ok(n > 0)
    }

    /// Gives back a trial edit taken and not made (the edit failed).
    pub async fn give_back_trial_edit(&self) -> Result<(), BusError> {
        let mut conn = self.connection();
        let _: i64 = redis::Script::new(GIVE_BACK_TRIAL_EDIT)
            .key(self.key(TRIAL_EDITS))
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// The edits the deployment's notifiers made under `--max-edits` lately.
    pub async fn trial_edits(&self) -> Result<u64, BusError> {
        let stored = self.value(TRIAL_EDITS).await?;
        Ok(stored.and_then(|n| n.parse().ok()).unwrap_or(0))
    }

    /// The run page's last reading, if one is stored and MatchBot's own: a reading someone
    /// else wrote (saying `true` while the page says stop) is ignored.
    pub async fn run_page_reading(&self) -> Result<Option<RunPageReading>, BusError> {
        let Some(stored) = self.value(RUN_PAGE).await? else {
            return Ok(None);
        };
        let Some((sig, content)) = stored.split_once(' ') else {
            return Ok(None);
        };
        if self.keys().verify(RUN_PAGE, content, Some(sig)).is_err() {
            tracing::warn!("the run page's reading in Redis is not signed by MatchBot: ignored");
            return Ok(None);
        }
        let (at, reading) = content.split_once(' ').unwrap_or((content, ""));
        let stop = match reading.split_once(' ').unwrap_or((reading, "")) {
            ("run", _) => None,
            ("stop", says) => Some(says.to_owned()),
            _ => return Ok(None),
        };
        let Ok(at) = at.parse::<u64>() else {
            return Ok(None);
        };
        Ok(Some(RunPageReading {
            age: Duration::from_millis(unix_ms().saturating_sub(at)),
            stop,
        }))
    }

    /// Stores what the run page says now (`None`: `true`) for every notifier.
    pub async fn store_run_page_reading(&self, stop: Option<&str>) -> Result<(), BusError> {
        let content = match stop {
            None => format!("{} run", unix_ms()),
            Some(says) => format!("{} stop {says}", unix_ms()),
        };
        let sig = self.keys().sign(RUN_PAGE, &content);
        self.set_value(RUN_PAGE, &format!("{sig} {content}")).await
    }
}
