//! `matchbot`: the admin CLI. Parses the command line, loads the configuration (exit status 2
//! with every problem listed when it is refused) and runs the command; each command is a file
//! of `cmd/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

mod cmd;

/// MatchBot's admin commands.
#[derive(Parser)]
#[command(name = "matchbot", version)]
struct Args {
    /// The configuration: a config.json file, or a directory holding one.
    #[arg(
        long,
        global = true,
        env = "MATCHBOT_CONFIG",
        default_value = "config.json"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // The health check must answer even where the configuration cannot be read.
    if let cmd::Command::Health(health) = &args.command {
        return cmd::health::run(health);
    }
    let config = match matchbot_runtime::load_config("matchbot", &args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    cmd::run(&config, args.command)
}
