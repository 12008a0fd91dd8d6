//! The recorder's loop: read a batch of outcomes, write them as one multi-row upsert (and their
//! steps' rows of `match_events` as another), and only
//! once that has committed, ack the whole batch in one MULTI/EXEC. A crash in between delivers
//! the batch again, and the unique `request_id` turns the second upsert into no change.

use matchbot_bus::{Bus, Consumer, Delivery, OUTCOMES};
use matchbot_config::Config;
use matchbot_db::{Db, EventRow, MatchRow};
use matchbot_model::Outcome;
use matchbot_runtime::{Next, Shutdown, StageOptions, join_stage, retry, run_stage};
use tracing::Instrument;

use crate::error::RecorderError;

/// Outcomes read, upserted and acked together: big enough that a backlog drains at over
/// 10,000 rows a second (`scripts/bench recorder`), small enough to stay far below MySQL's
/// 65,535 placeholders per statement.
pub const BATCH: usize = 500;

/// What the recorder runs on: the match database (at the schema this build writes), the bus,
/// and its place in the recorder's consumer group.
pub struct Deps {
    /// The match database.
    pub db: Db,
    /// The bus the outcomes are on.
    pub bus: Bus,
    /// The recorder's reader of the outcomes stream.
    pub outcomes: Consumer<Outcome>,
}

impl Deps {
    /// Checks the database schema and joins the recorder's group as `options.consumer`,
    /// waiting out outages; `None` if `shutdown` came first.
    pub async fn connect(
        config: &Config,
        options: &StageOptions,
        shutdown: &Shutdown,
    ) -> Result<Option<Deps>, RecorderError> {
        let db = Db::shared(&config.db).for_programme(&config.programme);
        let Some(()) = retry(shutdown, "checking the database schema", async || {
            db.require_current_schema()
                .await
                .map_err(RecorderError::from)
        })
        .await?
        else {
            return Ok(None);
        };
        let joined = join_stage(&config.redis, OUTCOMES, options, shutdown).await?;
        Ok(joined.map(|(bus, outcomes)| Deps { db, bus, outcomes }))
    }
}

/// What one outcome is recorded as: a greeting's row of `matches` (none for a later step of
/// the match's life), and its row of `match_events` (none for a greeting not posted).
struct Rows {
    matches: Option<MatchRow>,
    event: Option<EventRow>,
}

impl Rows {
    fn of(config: &Config, entry: &Delivery<Outcome>) -> Rows {
        let outcome = &entry.payload;
        let matches = outcome.decision.step.is_none().then(|| {
            let skill = config.skill_requested_with(&outcome.decision.request.category);
            MatchRow::new(outcome, skill, entry.trace_id())
        });
        Rows {
            matches,
            event: EventRow::new(outcome, entry.trace_id()),
        }
    }
}

/// Writes every `rows`' `matches` rows in one statement, then their events; MySQL's affected
/// rows of `matches` (the events' are logged).
async fn record(db: &Db, rows: &[Rows]) -> Result<u64, matchbot_db::DbError> {
    let matches: Vec<MatchRow> = rows.iter().filter_map(|r| r.matches.clone()).collect();
    let events: Vec<EventRow> = rows.iter().filter_map(|r| r.event.clone()).collect();
    let mut changed = 0;
    if !matches.is_empty() {
        changed += db.record(&matches).await?;
    }
    if !events.is_empty() {
        let events_changed = db.record_events(&events).await?;
        tracing::debug!(events = events.len(), events_changed, "recorded the steps");
    }
    Ok(changed)
}

/// Records `rows` (those of `batch`) one outcome at a time, adding to `commit` the ack of each
/// recorded and the dead-lettering of each the database refuses; MySQL's affected rows.
async fn one_by_one(
    db: &Db,
    outcomes: &Consumer<Outcome>,
    commit: &mut matchbot_bus::Commit,
    batch: &[Delivery<Outcome>],
    rows: Vec<Rows>,
) -> Result<u64, RecorderError> {
    let mut changed = 0;
    for (entry, row) in batch.iter().zip(rows) {
        match record(db, std::slice::from_ref(&row)).await {
            Ok(n) => {
                changed += n;
                outcomes.ack(commit, &entry.id);
            }
            Err(e) if e.is_row_refused() => {
                tracing::warn!(entry = %entry.id, error = %e, "the database refused the outcome's row");
                let reason = format!("the database refused the row: {e}");
                outcomes.dead_letter_in(commit, entry, &reason).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(changed)
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
    deps: Deps,
    options: StageOptions,
    shutdown: Shutdown,
) -> Result<Summary, RecorderError> {
    let mut summary = Summary::default();
    let Deps {
        db,
        bus,
        mut outcomes,
    } = deps;
    run_stage(
        &mut outcomes,
        BATCH,
        &options,
        &shutdown,
        async |outcomes: &Consumer<Outcome>, batch: &[Delivery<Outcome>]| {
            // Each outcome's own trace shows it being recorded; the one statement for the
            // whole batch is in the batch's span, which links to them all.
            let entry_spans: Vec<tracing::Span> =
                batch.iter().map(|e| outcomes.process_span(e)).collect();
            let rows: Vec<Rows> = batch.iter().map(|e| Rows::of(config, e)).collect();
            let rows_changed = async {
                let mut commit = outcomes.commit_builder();
                let rows_changed = match record(&db, &rows).await {
                    Ok(changed) => {
                        for entry in batch {
                            outcomes.ack(&mut commit, &entry.id);
                        }
                        changed
                    }
                    // One row the database refuses must not hold back, and after its
                    // redeliveries dead-letter, the whole batch: record the rows one by one
                    // and dead-letter only those refused, each with the server's reason.
                    Err(e) if e.is_row_refused() => {
                        one_by_one(&db, outcomes, &mut commit, batch, rows).await?
                    }
                    Err(e) => return Err(e.into()),
                };
                bus.commit(commit).await?;
                tracing::info!(outcomes = batch.len(), rows_changed, "recorded");
                Ok::<_, RecorderError>(rows_changed)
            }
            .instrument(outcomes.batch_span(batch))
            .await?;
            drop(entry_spans);
            summary.outcomes += batch.len();
            summary.rows_changed += rows_changed;
            Ok::<Next, RecorderError>(Next::Continue)
        },
    )
    .await?;
    if let Err(e) = db.close().await {
        tracing::warn!(error = %e, "could not close the database connections cleanly");
    }
    Ok(summary)
}
