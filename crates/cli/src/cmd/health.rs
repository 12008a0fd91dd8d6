//! `matchbot health`: is a worker's heartbeat fresh? The health check of Toolforge's
//! `health-check-script` and docker compose; it reads no configuration.

use std::path::PathBuf;
use std::process::ExitCode;

/// `matchbot health`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// scanner, matcher, notifier or recorder.
    #[arg(value_parser = ["scanner", "matcher", "notifier", "recorder"])]
    worker: String,
    /// The longest a working worker goes between beats, in seconds.
    #[arg(long, default_value_t = matchbot_runtime::heartbeat::STALE_AFTER.as_secs())]
    max_age: u64,
    /// The heartbeat file, if not where the worker keeps it by default
    /// (`MATCHBOT_HEARTBEAT`, else the temporary directory).
    #[arg(long)]
    file: Option<PathBuf>,
}

/// Exit 0 when the worker is alive, 1 when it is stuck or has no heartbeat.
pub fn run(args: &Args) -> ExitCode {
    let (worker, max_age) = (&args.worker, args.max_age);
    let binary = format!("matchbot-{}", worker.trim_start_matches("matchbot-"));
    let path = args
        .file
        .clone()
        .unwrap_or_else(|| matchbot_runtime::heartbeat::path_for(&binary));
    match matchbot_runtime::heartbeat::age(&path) {
        Ok(age) if age.as_secs() <= max_age => {
            println!("{binary}: alive, last beat {} s ago", age.as_secs());
            ExitCode::SUCCESS
        }
        Ok(age) => {
            println!(
                "{binary}: stuck, last beat {} s ago (more than {max_age} s; {})",
                age.as_secs(),
                path.display()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            println!("{binary}: no heartbeat at {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
