//! MatchBot's recorder: writes each outcome to the `matches` table.
//!
//! Reads a batch of outcomes, writes them as one multi-row insert in one transaction, and only
//! when that has committed acks the whole batch in one Redis transaction. A crash in between
//! re-delivers the batch, and the unique `request_id` turns the second insert into no change.

use matchbot_bus::{BusError, Consumer, Delivery, Stream};
use matchbot_config::{Config, Outcome};
use matchbot_db::{Db, DbError, MatchRow};
use matchbot_runtime::{Shutdown, StageOptions, Transient, join_stage, retry, run_stage};
use tracing::Instrument;

/// The consumer group of this stage.
pub const STAGE: &str = "recorder";

/// Outcomes read, upserted and acked together: big enough that a backlog drains at over
/// 10,000 rows a second (`scripts/bench recorder`), small enough to stay far below MySQL's
/// 65,535 placeholders per statement.
pub const BATCH: usize = 500;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    /// MySQL failed, or the schema is not the one this build writes.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Redis failed.
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl Transient for RecorderError {
    fn is_transient(&self) -> bool {
        match self {
            RecorderError::Db(e) => e.is_transient(),
            RecorderError::Bus(e) => e.is_transient(),
        }
    }
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Outcomes read.
    pub outcomes: usize,
    /// MySQL's affected rows: 1 per new row, 2 per dry-run row replaced by a real outcome.
    pub rows_changed: u64,
}

/// Runs the recorder until `shutdown` fires (or, with `once`, until nothing is waiting).
pub async fn run(
    config: &Config,
    options: StageOptions,
    shutdown: Shutdown,
) -> Result<Summary, RecorderError> {
    let mut summary = Summary::default();
    let db = Db::connect(&config.db);
    let Some(()) = retry(&shutdown, "checking the database schema", async || {
        db.require_current_schema()
            .await
            .map_err(RecorderError::from)
    })
    .await?
    else {
        return Ok(summary);
    };
    let Some((bus, mut outcomes)) =
        join_stage(&config.redis, Stream::Outcomes, STAGE, &options, &shutdown).await?
    else {
        return Ok(summary);
    };
    run_stage(
        &mut outcomes,
        BATCH,
        &options,
        &shutdown,
        async |outcomes: &Consumer, batch: &[Delivery<Outcome>]| {
            // Each outcome's own trace shows it being recorded; the one statement for the
            // whole batch is in the batch's span, which links to them all.
            let entry_spans: Vec<tracing::Span> =
                batch.iter().map(|e| outcomes.process_span(e)).collect();
            let rows: Vec<MatchRow> = batch
                .iter()
                .map(|e| {
                    let skill = config.skill_requested_with(&e.payload.decision.request.category);
                    MatchRow::new(&e.payload, skill, e.trace_id())
                })
                .collect();
            let rows_changed = async {
                let rows_changed = db.record(&rows).await?;
                let mut commit = outcomes.commit_builder();
                for entry in batch {
                    outcomes.ack(&mut commit, &entry.id);
                }
                bus.commit(commit).await?;
                tracing::info!(outcomes = batch.len(), rows_changed, "recorded");
                Ok::<_, RecorderError>(rows_changed)
            }
            .instrument(outcomes.batch_span(batch))
            .await?;
            drop(entry_spans);
            summary.outcomes += batch.len();
            summary.rows_changed += rows_changed;
            Ok::<(), RecorderError>(())
        },
    )
    .await?;
    if let Err(e) = db.close().await {
        tracing::warn!(error = %e, "could not close the database connections cleanly");
    }
    Ok(summary)
}
