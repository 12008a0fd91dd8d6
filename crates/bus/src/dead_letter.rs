//! Giving up on an entry: it moves to the dead-letter stream, with its stage, the reason, how
//! many times it was handed out and its payload, and is acked, in one MULTI/EXEC. One error
//! line is logged; the worker goes on with the next entry.

use redis::AsyncTypedCommands;

use matchbot_model::{ErrorKind, ErrorLogEntry, Timestamp};

use crate::commit::{Commit, NewDeadLetter};
use crate::error::BusError;
use crate::group::Member;

/// An entry being given up: its id, and what of it there is to keep.
pub(crate) struct Given<'a> {
    pub id: &'a str,
    pub payload: Option<&'a str>,
    pub traceparent: Option<&'a str>,
    /// Whether its payload's signature verified (see `NewDeadLetter::verified`).
    pub verified: bool,
}

/// Adds to `commit` the move of `entry` to the dead-letter stream and its ack.
pub(crate) fn add(
    commit: &mut Commit,
    member: &Member,
    entry: Given<'_>,
    reason: &str,
    deliveries: u64,
) {
    tracing::error!(
        stream = %member.stream,
        stage = %member.stage,
        entry = entry.id,
        deliveries,
        reason,
        "entry moved to the dead-letter stream"
    );
    commit.dead_letter(NewDeadLetter {
        stream: member.stream,
        stage: member.stage,
        entry: entry.id,
        reason,
        deliveries,
        payload: entry.payload.unwrap_or(""),
        traceparent: entry.traceparent,
        verified: entry.verified,
    });
    commit.ack(member.stream, member.stage, entry.id);
    // The maintainer hears of it on the wiki too: the stage and the reason, never the payload.
    let logged = ErrorLogEntry::new(
        Timestamp::now(),
        ErrorKind::DeadLetter,
        Some(member.stage),
        &format!(
            "an entry of the {} stream was moved to the dead-letter stream: {reason} (see matchbot dlq)",
            member.stream
        ),
    );
    if let Err(e) = commit.log_error(&logged) {
        tracing::warn!(error = %e, "the dead letter could not be added to the error log");
    }
}

/// Moves an entry to the dead-letter stream and acks it, now.
pub(crate) async fn give_up(
    member: &Member,
    entry: Given<'_>,
    reason: &str,
    deliveries: u64,
) -> Result<(), BusError> {
    let mut commit = member.bus.commit_builder();
    add(&mut commit, member, entry, reason, deliveries);
    member.bus.commit(commit).await
}

/// How many times `id` has been delivered to the member's group (0 once it left the pending
/// list).
pub(crate) async fn deliveries(member: &Member, id: &str) -> Result<u64, BusError> {
    let mut conn = member.bus.connection();
    match conn
        .xpending_count(&member.key, member.stage, id, id, 1)
        .await
        .map_err(BusError::from)
    {
        Ok(reply) => Ok(reply.ids.first().map_or(0, |p| p.times_delivered as u64)),
        Err(e) if e.is_no_group() => Ok(0),
        Err(e) => Err(e),
    }
}
