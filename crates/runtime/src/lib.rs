//! What every MatchBot binary shares: flags, configuration loading, logging and traces,
//! signals and exit codes.
//!
//! # Brief overview
//!
//! A worker's `main.rs` parses its flags (embedding [`WorkerArgs`]) and hands its `run` function
//! to [`main`], which loads the configuration (exit status 2 with every problem listed when it is
//! bad), starts logging, turns SIGTERM and SIGINT into a [`Shutdown`], runs the worker, and maps
//! the result to an exit status.
//!
//! # Layout
//!
//! - `connect`: the bus and the wiki client, built from the configuration.
//! - `process`: a worker process from start to exit status: flags, configuration, signals.
//! - `programmes`: every programme a process serves, run together, each in a span naming
//!   it, a failed one started again while the others go on.
//! - `shutdown`: the stop signal, passed into every worker loop.
//! - `outage`: waiting out Redis, MariaDB or wiki outages with capped backoff, logged once.
//! - `stage`: the read-handle loop every stream-reading stage runs, and its consumer name.
//! - `telemetry`: structured logs (JSON when not on a terminal, with each request's trace id)
//!   and OTLP traces when an endpoint is set.
//! - `settings`: the file's configuration with the on-wiki settings page's newest valid
//!   revision applied.
//! - `heartbeat`: the file a health check reads to tell a working worker from a stuck one.
#![deny(missing_docs)]

pub mod connect;
pub mod heartbeat;
mod outage;
mod process;
mod programmes;
mod settings;
mod shutdown;
mod stage;
mod telemetry;

pub use outage::{Transient, retry};
pub use process::{EXIT_BAD_CONFIG, WorkerArgs, load_config, main};
pub use settings::LiveConfig;
pub use shutdown::Shutdown;
pub use stage::{Next, StageOptions, consumer_name, join_stage, run_stage, run_stage_when};
