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
    /// The programme to work on, in a configuration of several (`status` and `check-config`
    /// go over every programme without it; the other commands need it, except `explain` of a
    /// request id that names its programme).
    #[arg(long, global = true, env = "MATCHBOT_PROGRAMME")]
    programme: Option<String>,
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // The health check must answer even where the configuration cannot be read.
    if let cmd::Command::Health(health) = &args.command {
        return cmd::health::run(health);
    }
    // Migrating touches only the database: it runs where the workers' other settings (the
    // wiki password in their environment) are not given, as docker compose's `migrate`.
    if let cmd::Command::Migrate = &args.command {
        return match matchbot_config::DbConfig::load(&args.config) {
            Ok(db) => cmd::migrate(&db),
            Err(e) => {
                eprintln!("matchbot: {e}");
                ExitCode::from(matchbot_runtime::EXIT_BAD_CONFIG)
            }
        };
    }
    let programmes = matchbot_config::Deployment::load(&args.config)
        .and_then(|d| d.select(args.programme.as_deref()));
    match programmes {
        Ok(programmes) => cmd::run(&programmes, args.command),
        Err(e) => {
            eprintln!("matchbot: {e}");
            ExitCode::from(matchbot_runtime::EXIT_BAD_CONFIG)
        }
    }
}
