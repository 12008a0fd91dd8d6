use std::process::ExitCode;

use clap::Parser;
use matchbot_runtime::WorkerArgs;

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
            let options = matchbot_runtime::StageOptions::new(matchbot_recorder::STAGE, once);
            let s = matchbot_recorder::run(&config, options, shutdown).await?;
            tracing::info!(
                outcomes = s.outcomes,
                rows_changed = s.rows_changed,
                "recorder done"
            );
            Ok(())
        },
    )
}
