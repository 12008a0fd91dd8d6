use std::process::ExitCode;

use clap::Parser;
use matchbot_model::Timestamp;
use matchbot_runtime::WorkerArgs;

/// MatchBot scanner: finds new requests on the wiki and keeps the mentor pool.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    worker: WorkerArgs,
    /// Where a first scan starts (e.g. 2026-11-01T00:00:00Z); ignored once the scanner has run.
    #[arg(long, value_parser = Timestamp::parse)]
    since: Option<Timestamp>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = matchbot_scanner::Options {
        once: args.worker.once,
        since: args.since,
        replica: None,
    };
    matchbot_runtime::main("matchbot-scanner", &args.worker, move |config, shutdown| {
        let options = options.clone();
        async move {
            let Some(deps) = matchbot_scanner::Deps::connect(&config, &shutdown).await? else {
                return Ok(());
            };
            let summary = matchbot_scanner::run(&config, deps, options, shutdown).await?;
            tracing::info!(
                polls = summary.polls,
                reconciles = summary.reconciles,
                requests = summary.requests,
                leases = summary.leases,
                "scanner done"
            );
            Ok(())
        }
    })
}
