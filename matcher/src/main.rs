use std::process::ExitCode;

use clap::Parser;
use matchbot_bus::REQUESTS;
use matchbot_matcher::Deps;
use matchbot_runtime::{StageOptions, WorkerArgs};

/// MatchBot matcher: picks a mentor for each new request.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    worker: WorkerArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let once = args.worker.once;
    matchbot_runtime::main(
        "matchbot-matcher",
        &args.worker,
        |config, shutdown| async move {
            let options = StageOptions::new(REQUESTS.stage(), once);
            let Some(deps) = Deps::connect(&config, &options, &shutdown).await? else {
                return Ok(());
            };
            let summary = matchbot_matcher::run(&config, deps, options, shutdown).await?;
            tracing::info!(
                decided = summary.decided,
                dead_lettered = summary.dead_lettered,
                decided_again = summary.decided_again,
                "matcher done"
            );
            Ok(())
        },
    )
}
