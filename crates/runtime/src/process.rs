//! Running a worker process: its flags, its configuration (exit status 2 with every problem
//! listed when it is bad), logging, signals, and its exit status.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;

use matchbot_config::{Config, Deployment};

use crate::shutdown::{self, Shutdown};
use crate::{heartbeat, programmes, telemetry};

/// Flags every worker takes.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// The configuration: a config.json file, or a directory holding one (as the original took).
    #[arg(long, env = "MATCHBOT_CONFIG", default_value = "config.json")]
    pub config: PathBuf,
    /// Do the work that is there now, then exit (for scheduled jobs and tests). Without it the
    /// worker runs until SIGTERM or SIGINT.
    #[arg(long)]
    pub once: bool,
    /// Serve only this programme of a configuration of several (by default a worker serves
    /// every programme the configuration holds).
    #[arg(long, env = "MATCHBOT_PROGRAMME")]
    pub programme: Option<String>,
}

/// How long a worker may take to finish its work in hand after SIGTERM or SIGINT.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(9);

/// Exit status for a configuration that was refused.
pub const EXIT_BAD_CONFIG: u8 = 2;

/// Loads the configuration or explains why not; on failure the caller exits with
/// [`EXIT_BAD_CONFIG`].
pub fn load_config(binary: &str, path: &std::path::Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|e| {
        eprintln!("{binary}: {e}");
        ExitCode::from(EXIT_BAD_CONFIG)
    })
}

/// Loads the programmes a worker serves: every one of the configuration, or the one
/// `--programme` names.
fn load_programmes(binary: &str, args: &WorkerArgs) -> Result<Vec<Config>, ExitCode> {
    Deployment::load(&args.config)
        .and_then(|d| d.select(args.programme.as_deref()))
        .map_err(|e| {
            eprintln!("{binary}: {e}");
            ExitCode::from(EXIT_BAD_CONFIG)
        })
}

/// Runs a worker process: configuration, logging, signals, the worker, the exit status.
///
/// `run` gets one programme's configuration and a [`Shutdown`] that fires on SIGTERM or
/// SIGINT (or never, with `--once`, where the worker stops by itself once it is done); it runs
/// once for each programme the process serves, all at once (see `programmes`).
pub fn main<F, Fut>(binary: &'static str, args: &WorkerArgs, run: F) -> ExitCode
where
    F: Fn(Config, Shutdown) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let programmes = match load_programmes(binary, args) {
        Ok(programmes) => programmes,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{binary}: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let telemetry = telemetry::init(binary);
        heartbeat::start(binary);
        let shutdown = Shutdown::new(shutdown::signals());
        // Finishing the entry in hand is the normal way out; a wiki that hangs mid-edit must
        // not hold the process past what Toolforge and the tests allow. What is cut short
        // stays pending and is handled after the restart.
        let deadline = shutdown.clone();
        tokio::spawn(async move {
            deadline.wait().await;
            tokio::time::sleep(STOP_GRACE).await;
            tracing::error!(
                "in-flight work did not finish within {}s of the stop signal; exiting now, its entries stay pending",
                STOP_GRACE.as_secs()
            );
            std::process::exit(1);
        });
        tracing::info!(once = args.once, programmes = programmes.len(), "{binary} starting");
        let result = crate::connect::sharing_redis(programmes::run_each(
            programmes, run, shutdown, args.once,
        ))
        .await;
        let code = match &result {
            Ok(()) => {
                tracing::info!("{binary} stopped");
                ExitCode::SUCCESS
            }
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "{binary} failed");
                eprintln!("{binary}: {e:#}");
                ExitCode::FAILURE
            }
        };
        telemetry.shutdown().await;
        code
    });
    // A span export still blocked on a dead collector is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}
