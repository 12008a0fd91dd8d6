//! A worker process serving several programmes: each programme's work in a span that names
//! it, all polled together, so that one wiki's trouble never holds back another's work.
//!
//! With one programme, the worker runs as it always has: an error ends the process, and the
//! supervisor (Toolforge, Docker) restarts it. With several, a programme whose run fails (its
//! wiki refusing the login, say) is logged and started again after a capped backoff while the
//! others go on; the process ends when every programme has stopped — with `--once` when each
//! has done its work, otherwise on the stop signal.

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use matchbot_config::Config;
use tracing::Instrument;

use crate::shutdown::Shutdown;
use crate::telemetry::PROGRAMME_SPAN;

/// The first wait before a failed programme is started again; it doubles up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(5);

/// The longest wait before a failed programme is started again.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// Runs `run` for every programme at once and waits for all of them.
pub(crate) async fn run_each<F, Fut>(
    programmes: Vec<Config>,
    run: F,
    shutdown: Shutdown,
    once: bool,
) -> anyhow::Result<()>
where
    F: Fn(Config, Shutdown) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let several = programmes.len() > 1;
    // The programmes' futures are polled together, not spawned: each is woken only by its own
    // I/O, and the workers' futures need not be `Send`.
    let mut running: FuturesUnordered<_> = programmes
        .into_iter()
        .map(|config| {
            let span = tracing::info_span!(
                PROGRAMME_SPAN,
                matchbot.programme = %config.programme,
            );
            let name = config.programme.clone();
            let shutdown = shutdown.clone();
            let run = &run;
            async move {
                let result = if several {
                    supervised(config, run, shutdown, once).await
                } else {
                    run(config, shutdown).await
                };
                (name, result)
            }
            .instrument(span)
        })
        .collect();
    let mut failed = Vec::new();
    while let Some((name, result)) = running.next().await {
        match result {
            Ok(()) => {}
            Err(e) if several => failed.push(format!("{name}: {e:#}")),
            Err(e) => return Err(e),
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} failed: {}", failed.len(), failed.join("; "))
    }
}

/// Runs one programme of several until it stops by itself or the process stops, starting it
/// again after a failure.
async fn supervised<F, Fut>(
    config: Config,
    run: &F,
    shutdown: Shutdown,
    once: bool,
) -> anyhow::Result<()>
where
    F: Fn(Config, Shutdown) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut wait = FIRST_WAIT;
    loop {
        let Err(e) = run(config.clone(), shutdown.clone()).await else {
            return Ok(());
        };
        if once || shutdown.is_shutdown() {
            return Err(e);
        }
        tracing::error!(
            error = format!("{e:#}"),
            retry_in_seconds = wait.as_secs(),
            "this programme failed; the others go on, and it starts again"
        );
        if shutdown.sleep(wait).await {
            return Err(e);
        }
        wait = (wait * 2).min(MAX_WAIT);
    }
}
