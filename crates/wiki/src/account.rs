//! The bot account's etiquette state, where every process editing as the account sees it.
//!
//! The edit interval, a trial's edit budget and the kill switch are the account's, not a
//! process's: two notifiers each keeping their own interval would edit twice as fast as it
//! allows. A client given an [`AccountGate`] takes them from it instead of keeping them itself:
//! one edit slot per interval across all of them, one budget, one reading of the run page.
//! The client knows nothing of where the gate keeps them (MatchBot's notifier keeps them in
//! Redis).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// What an [`AccountGate`] call returns.
pub type GateFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, AccountError>> + Send + 'a>>;

/// The edit slot, as [`AccountGate::take_slot`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Taken: send the edit now, then release it.
    Taken,
    /// Free after this long: ask again then.
    FreeIn(Duration),
    /// Another process's edit is under way: ask again shortly.
    Busy,
}

/// What the run page said when someone last read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// How long ago it was read.
    pub age: Duration,
    /// What it said, when it did not say `true` (`None`: it did).
    pub stop: Option<String>,
}

/// The gate could not be asked (its store is away).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the bot account's shared etiquette cannot be read: {message}")]
pub struct AccountError {
    /// What went wrong, with no secret in it.
    pub message: String,
    /// True when it is an outage to wait out.
    pub transient: bool,
}

/// The bot account's etiquette state, shared by every client that edits as it.
pub trait AccountGate: Send + Sync {
    /// Takes the edit slot, held for `hold` unless renewed: the next edit of any client comes
    /// after this one's request returned and a whole interval passed.
    fn take_slot(&self, hold: Duration) -> GateFuture<'_, Slot>;
    /// Extends this client's hold while its edit's request is under way.
    fn renew_slot(&self, hold: Duration) -> GateFuture<'_, ()>;
    /// The edit's request returned: the slot is free again `interval` from now.
    fn release_slot(&self, interval: Duration) -> GateFuture<'_, ()>;
    /// How long until the slot is free; `None` while an edit is under way.
    fn slot_free_in(&self) -> GateFuture<'_, Option<Duration>>;
    /// Takes one of a trial's `budget` edits; false when all are taken.
    fn take_trial_edit(&self, budget: u64) -> GateFuture<'_, bool>;
    /// Gives back a trial edit taken and not made.
    fn give_back_trial_edit(&self) -> GateFuture<'_, ()>;
    /// How many of the trial's edits are taken.
    fn trial_edits(&self) -> GateFuture<'_, u64>;
    /// The run page's last reading by any client, if there is one to trust.
    fn run_page_reading(&self) -> GateFuture<'_, Option<Reading>>;
    /// Shares what the run page says now (`None`: `true`).
    fn store_run_page_reading<'a>(&'a self, stop: Option<&'a str>) -> GateFuture<'a, ()>;
}
