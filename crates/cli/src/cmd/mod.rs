//! The commands, one per file, and running the one asked for.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use matchbot_config::{Config, DbConfig};

mod check_config;
mod dlq;
mod explain;
pub mod health;
mod migrate;
mod report;
mod status;
mod stream;

/// MatchBot's admin commands.
#[derive(Subcommand)]
pub enum Command {
    /// Check the configuration and say what it sets up; exit status 2 if it is refused.
    CheckConfig,
    /// Create the database if needed and apply the migrations it lacks.
    Migrate,
    /// Say why a request got the mentor it got: the levels looked at, who was passed over and
    /// why, the weights and the draw, as recorded with its row.
    Explain(explain::Args),
    /// Figures for a period from the matches table: matches per skill, the no-match and
    /// fallback rates, time from request to greeting, load per mentor.
    Report(report::Args),
    /// The pipeline at a glance: each stream's length; each stage's pending entries, lag,
    /// oldest pending entry and consumers; the dead letters; the scanner's last poll; the kill
    /// switch. Exit status 1 when something is unhealthy, with every problem listed.
    Status(status::Args),
    /// The dead-letter stream: entries no stage could handle.
    #[command(subcommand)]
    Dlq(dlq::DlqCommand),
    /// Exit 0 when WORKER's heartbeat is fresh, 1 when it is stale or missing: the health
    /// check of Toolforge's `health-check-script` and docker compose. Reads no configuration.
    Health(health::Args),
    /// Copy a stream's entries out as JSON lines, or put exported entries back.
    #[command(subcommand)]
    Stream(stream::StreamCommand),
}

/// Runs `command` on `programmes` (every programme of the configuration, or the one
/// `--programme` named); its error is printed with its causes and exits 1.
pub fn run(programmes: &[Config], command: Command) -> ExitCode {
    match command {
        Command::CheckConfig => {
            for config in programmes {
                check_config::run(config);
            }
            return ExitCode::SUCCESS;
        }
        Command::Status(args) => {
            return block_on(async { Ok(status::run_each(programmes, &args).await) })
                .unwrap_or_else(failed);
        }
        _ => {}
    }
    let wanted = match &command {
        Command::Explain(args) => args.programme_of_id(),
        _ => None,
    };
    match one(programmes, wanted) {
        Ok(config) => run_one(config, command),
        Err(e) => {
            eprintln!("matchbot: {e}");
            ExitCode::from(matchbot_runtime::EXIT_BAD_CONFIG)
        }
    }
}

/// The programme a command of one programme works on: the only one, or the one `wanted`
/// names.
fn one<'a>(programmes: &'a [Config], wanted: Option<&str>) -> Result<&'a Config, String> {
    let names = || {
        programmes
            .iter()
            .map(|p| p.programme.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (programmes, wanted) {
        ([only], _) => Ok(only),
        (_, Some(name)) => programmes
            .iter()
            .find(|p| p.programme == name)
            .ok_or_else(|| {
                format!(
                    "the configuration holds no programme {name:?} (it holds: {})",
                    names()
                )
            }),
        _ => Err(format!(
            "the configuration holds the programmes {}: name one with --programme",
            names()
        )),
    }
}

fn run_one(config: &Config, command: Command) -> ExitCode {
    let result = match command {
        Command::CheckConfig => {
            check_config::run(config);
            Ok(())
        }
        Command::Migrate => block_on(migrate::run(&config.db)),
        Command::Explain(args) => block_on(explain::run(config, &args)),
        Command::Report(args) => block_on(report::run(config, &args)),
        Command::Status(args) => {
            return block_on(async { Ok(status::run(config, &args).await) }).unwrap_or_else(failed);
        }
        Command::Dlq(command) => block_on(dlq::run(config, command)),
        Command::Health(args) => return health::run(&args),
        Command::Stream(command) => block_on(stream::run(config, &command)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(e),
    }
}

/// `matchbot migrate`, which needs only the database's settings.
pub fn migrate(db: &DbConfig) -> ExitCode {
    match block_on(migrate::run(db)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(e),
    }
}

fn failed(e: anyhow::Error) -> ExitCode {
    eprintln!("matchbot: {e:#}");
    ExitCode::FAILURE
}

fn block_on<T>(work: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(work)
}
