//! The values beside the streams that more than one worker reads: the mentor pool, which the
//! scanner writes and the matcher reads, and the scanner's cursor, which `matchbot status`
//! reads.

use matchbot_model::{MentorPool, Timestamp};

use crate::bus::Bus;
use crate::commit::Commit;
use crate::error::BusError;

/// The key (under the prefix) of the mentor pool: written whole by the scanner, in the same
/// MULTI/EXEC as the requests it found, read by the matcher. One value replaced whole means a
/// reader never sees half an update.
pub const MENTOR_POOL: &str = "mentor-pool";

/// The requests the gates on learners hold (`gates.*`): request id → when (Unix seconds) the
/// scanner hands it out again, with the learner's account read afresh. The matcher writes it,
/// the scanner reads and clears it. Not signed: the scanner acts only on an id it finds as a
/// request on the wiki, so a forged or changed entry can only make it look at a real request
/// early (the matcher judges it again) or late (the reconcile's `reemit_after` still finds it).
pub const HELD_REQUESTS: &str = "gates:held";

/// The key (under the prefix) of the scanner's cursor: the wiki's time at its last poll.
pub const SCANNER_CURSOR: &str = "scanner:cursor";

impl Bus {
    /// The mentor pool the scanner last wrote; `None` before its first reconcile (or after
    /// Redis lost it).
    pub async fn mentor_pool(&self) -> Result<Option<MentorPool>, BusError> {
        self.signed(MENTOR_POOL, "mentor pool").await
    }

    /// The wiki's time at the scanner's last poll; `None` before its first, or when what is
    /// stored is not a time.
    pub async fn scanner_cursor(&self) -> Result<Option<Timestamp>, BusError> {
        let stored = self.value(SCANNER_CURSOR).await?;
        Ok(stored.and_then(|c| Timestamp::parse(&c).ok()))
    }
}

impl Commit {
    /// Replaces the mentor pool, whole.
    pub fn set_mentor_pool(&mut self, pool: &MentorPool) -> Result<(), BusError> {
        self.set_signed(MENTOR_POOL, pool)
    }

    /// Moves the scanner's cursor to `at`.
    pub fn set_scanner_cursor(&mut self, at: Timestamp) {
        self.set(SCANNER_CURSOR, &at.to_string());
    }
}
