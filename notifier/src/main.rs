use std::process::ExitCode;

use clap::Parser;
use matchbot_bus::DECISIONS;
use matchbot_notifier::Deps;
use matchbot_runtime::{StageOptions, WorkerArgs};

/// MatchBot notifier: greets learners on their talk pages.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    worker: WorkerArgs,

    /// Do everything but the edit: each outcome (and row) holds the text that would have been
    /// posted. The decisions are consumed, so run a trial on its own Redis prefix.
    /// `MATCHBOT_DRY_RUN=true` does the same (Toolforge jobs take settings as envvars).
    #[arg(long, env = "MATCHBOT_DRY_RUN")]
    dry_run: bool,

    /// Stop after N edits (a bot trial's limit); the decisions not yet handled wait in the
    /// stream for the next run. Also `MATCHBOT_MAX_EDITS`.
    #[arg(long, value_name = "N", env = "MATCHBOT_MAX_EDITS", value_parser = clap::value_parser!(u64).range(1..))]
    max_edits: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let once = args.worker.once;
    let trial = matchbot_notifier::Trial {
        dry_run: args.dry_run,
        max_edits: args.max_edits,
    };
    matchbot_runtime::main(
        "matchbot-notifier",
        &args.worker,
        |config, shutdown| async move {
            let options = StageOptions::new(DECISIONS.stage(), once);
            let Some(deps) = Deps::connect(&config, trial, &options, &shutdown).await? else {
                return Ok(());
            };
            let s = matchbot_notifier::run(&config, deps, options, trial, shutdown).await?;
            tracing::info!(
                posted = s.posted,
                already_posted = s.already_posted,
                dry_run = s.dry_run,
                skipped = s.skipped,
                failed = s.failed,
                budget_spent = s.budget_spent,
                "notifier done"
            );
            Ok(())
        },
    )
}
