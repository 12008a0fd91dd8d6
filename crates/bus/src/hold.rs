//! Keeping entries in hand while they are worked on, and handing back what will not be.
//!
//! An entry pending with one consumer for longer than `claim_idle` is taken over by the next
//! consumer that looks (see `upkeep`). That is how a stopped consumer's entries are finished,
//! and it would also let a second replica act on an entry a live one is still working on: so a
//! consumer at work keeps resetting the idle time of what it holds, and one that stops hands
//! back what it did not act on.

use std::time::Duration;

use crate::bus::Redelivery;
use crate::error::BusError;
use crate::group::Member;

/// The most pending entries of one consumer looked at in one go (a stage's batch is far
/// smaller).
const MAX_PENDING: usize = 10_000;

/// This member's pending entries from `first` to `last` (stream order), with how many times
/// each was handed out.
pub(crate) async fn pending_with(
    member: &Member,
    first: &str,
    last: &str,
) -> Result<Vec<(String, u64)>, BusError> {
    let mut conn = member.bus.connection();
    let pending: Result<Vec<(String, String, u64, u64)>, _> = redis::cmd("XPENDING")
        .arg(&member.key)
        .arg(member.stage)
        .arg(first)
        .arg(last)
        .arg(MAX_PENDING)
        .arg(&member.name)
        .query_async(&mut conn)
        .await;
    match pending.map_err(BusError::from) {
        Ok(pending) => Ok(pending
            .into_iter()
            .map(|(id, _, _, delivered)| (id, delivered))
            .collect()),
        // The stream is gone, and what was pending with it: nothing is this member's.
        Err(e) if e.is_no_group() => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Of `ids` (oldest first), those still pending with `member`, with their idle time reset.
pub(crate) async fn refresh(
    member: &Member,
    redelivery: Redelivery,
    ids: &[&str],
) -> Result<Vec<String>, BusError> {
    // Stream order, not string order: "5-10" sorts before "5-9" as text.
    let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
        return Ok(Vec::new());
    };
    let mine: Vec<String> = pending_with(member, first, last)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| ids.contains(&id.as_str()))
        .collect();
    if !mine.is_empty() {
        let mut conn = member.bus.connection();
        // Resets the idle time of those idle for half of `claim_idle` or more, so a hold
        // renewed every quarter keeps every entry below three quarters. The minimum idle time
        // also keeps this from taking back an entry another consumer claimed between the two
        // commands (its idle time is ~0); JUSTID keeps the delivery count as it is.
        let _: Vec<String> = redis::cmd("XCLAIM")
            .arg(&member.key)
            .arg(member.stage)
            .arg(&member.name)
            .arg((redelivery.claim_idle / 2).as_millis() as u64)
            .arg(&mine)
            .arg("JUSTID")
            .query_async(&mut conn)
            .await?;
    }
    Ok(mine)
}

/// Marks every entry pending with `member` as idle for longer than `claim_idle`; returns how
/// many there were.
pub(crate) async fn hand_back(member: &Member, redelivery: Redelivery) -> Result<usize, BusError> {
    let ids: Vec<String> = pending_with(member, "-", "+")
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let idle = redelivery.claim_idle + Duration::from_secs(1);
    let mut conn = member.bus.connection();
    // Claimed by itself with IDLE set: the entry stays where it is, only its idle time says
    // "abandoned". JUSTID: handing back is not a delivery.
    let _: Vec<String> = redis::cmd("XCLAIM")
        .arg(&member.key)
        .arg(member.stage)
        .arg(&member.name)
        .arg(0)
        .arg(&ids)
        .arg("IDLE")
        .arg(idle.as_millis() as u64)
        .arg("JUSTID")
        .query_async(&mut conn)
        .await?;
    tracing::info!(
        stream = %member.stream,
        stage = %member.stage,
        entries = ids.len(),
        "handed back entries read but not acted on: the next consumer takes them over at once"
    );
    Ok(ids.len())
}

/// Entries kept in hand while they are worked on: a task resets their idle time every quarter
/// of `claim_idle` until the hold is dropped.
#[must_use = "the entries are held only while the hold lives"]
pub struct Hold {
    task: tokio::task::JoinHandle<()>,
}

impl Hold {
    pub(crate) fn start(member: Member, redelivery: Redelivery, ids: &[&str]) -> Hold {
        let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
        let every = (redelivery.claim_idle / 4).max(Duration::from_millis(50));
        let task = tokio::spawn(async move {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            loop {
                tokio::time::sleep(every).await;
                // A failure here is the work's to meet: it goes to Redis too.
                if let Err(e) = refresh(&member, redelivery, &ids).await {
                    tracing::debug!(error = %e, "could not renew the hold on entries in work");
                }
            }
        });
        Hold { task }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.task.abort();
    }
}
