use std::process::ExitCode;

use clap::Parser;
use matchbot_runtime::WorkerArgs;

/// MatchBot notifier: greets learners on their talk pages.
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
        "matchbot-notifier",
        &args.worker,
        |config, shutdown| async move {
            let options = matchbot_runtime::StageOptions::new(matchbot_notifier::STAGE, once);
            let s = matchbot_notifier::run(&config, options, shutdown).await?;
            tracing::info!(
                posted = s.posted,
                already_posted = s.already_posted,
                skipped = s.skipped,
                failed = s.failed,
                "notifier done"
            );
            Ok(())
        },
    )
}
