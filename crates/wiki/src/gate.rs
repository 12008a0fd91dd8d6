//! The state every edit's etiquette keeps: the kill switch's page and last reading, the pause
//! between edits, the edit budget (here, or in the bot account's shared gate); and the pages
//! whose last edit's result is unknown. The
//! rules that read it are in `etiquette` and `uncertain`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::account::AccountGate;

/// The kill switch: a page that must say `true` for the bot to edit.
#[derive(Debug, Clone)]
pub(crate) struct RunPage {
    pub(crate) title: String,
    /// The page is read at most this often.
    pub(crate) every: Duration,
}

/// The rules and the state they need.
#[derive(Debug, Default)]
pub(crate) struct EditGate {
    pub(crate) run_page: Option<RunPage>,
    pub(crate) interval: Duration,
    pub(crate) budget: Option<u64>,
    /// Where the interval, the budget and the run page's reading are kept for every process
    /// editing as the bot account; `None`: in this client alone.
    pub(crate) account: Option<Account>,
    /// Held across a whole edit, so that edits of one client never overlap and each waits
    /// its interval after the one before.
    pub(crate) state: Mutex<GateState>,
}

/// The bot account's shared gate.
#[derive(Clone)]
pub(crate) struct Account(pub(crate) Arc<dyn AccountGate>);

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Account { .. }")
    }
}

#[derive(Debug, Default)]
pub(crate) struct GateState {
    pub(crate) last_edit: Option<Instant>,
    pub(crate) edits: u64,
    /// When the run page was last read, and what it said (`None`: `true`).
    pub(crate) run_page_read: Option<(Instant, Option<String>)>,
}

/// Pages whose last edit's result is unknown, by title.
#[derive(Debug, Default)]
pub(crate) struct Uncertain(std::sync::Mutex<HashMap<String, Unknown>>);

#[derive(Debug, Clone, Copy)]
pub(crate) struct Unknown {
    /// When the edit's error came back: the edit was sent before then.
    pub(crate) at: Instant,
    /// Unreadable answers in a row.
    pub(crate) bad_answers: u32,
}

impl Uncertain {
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Unknown>) -> T) -> T {
        let mut pages = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut pages)
    }
}
