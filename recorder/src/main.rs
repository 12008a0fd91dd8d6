use std::process::ExitCode;

use clap::Parser;
use matchbot_bus::OUTCOMES;
use matchbot_recorder::Deps;
use matchbot_runtime::{StageOptions, WorkerArgs};

/// MatchBot recorder: writes each outcome to MySQL.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    worker: WorkerArgs,
}

fn main() -> ExitCode {
    matchbot_db::limit_client_buffers();
    let args = Args::parse();
    let once = args.worker.once;
    matchbot_runtime::main(
        "matchbot-recorder",
        &args.worker,
        |config, shutdown| async move {
            let options = StageOptions::new(OUTCOMES.stage(), once);
            let Some(deps) = Deps::connect(&config, &options, &shutdown).await? else {
                return Ok(());
            };
            let s = matchbot_recorder::run(&config, deps, options, shutdown).await?;
            tracing::info!(
                outcomes = s.outcomes,
                rows_changed = s.rows_changed,
                "recorder done"
            );
            Ok(())
        },
    )
}
