use std::process::ExitCode;

use clap::Parser;
use matchbot_runtime::WorkerArgs;

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
            let options = matchbot_runtime::StageOptions::new(matchbot_matcher::STAGE, once);
            let summary = matchbot_matcher::run(&config, options, shutdown).await?;
            tracing::info!(
                decided = summary.decided,
                dead_lettered = summary.dead_lettered,
                "matcher done"
            );
            Ok(())
        },
    )
}
