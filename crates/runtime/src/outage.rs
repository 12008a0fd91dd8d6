use std::time::{Duration, Instant};

use crate::Shutdown;

/// An error that may go away by waiting: Redis restarting, MariaDB down, the wiki answering 503.
pub trait Transient: std::fmt::Display {
    /// True when the same call may succeed later; false when it never will.
    fn is_transient(&self) -> bool;
}

impl Transient for matchbot_bus::BusError {
    fn is_transient(&self) -> bool {
        matchbot_bus::BusError::is_transient(self)
    }
}

/// The first wait after a failure; it doubles on each failure after that.
const FIRST_WAIT: Duration = Duration::from_millis(250);
/// The longest wait between two tries, however long the outage.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Runs `op` until it succeeds, waiting out transient errors with capped exponential backoff.
///
/// An outage is logged once when it starts (with the first error) and once when it ends (with
/// how long it lasted), not on every try. A permanent error is returned at once. Returns
/// `Ok(None)` if `shutdown` fires during the outage: the caller stops, and whatever it held is
/// still pending on its stream, to be handled after the restart.
///
/// `op` must be safe to repeat: every stage's work is (see "Delivery guarantees" in
/// docs/ARCHITECTURE.md).
pub async fn retry<T, E: Transient>(
    shutdown: &Shutdown,
    what: &str,
    mut op: impl AsyncFnMut() -> Result<T, E>,
) -> Result<Option<T>, E> {
    let mut wait = FIRST_WAIT;
    let mut outage: Option<Instant> = None;
    loop {
        match op().await {
            Ok(value) => {
                if let Some(since) = outage {
                    tracing::info!(
                        during = what,
                        lasted_secs = since.elapsed().as_secs_f64(),
                        "outage over; carrying on"
                    );
                }
                return Ok(Some(value));
            }
            Err(e) if e.is_transient() => {
                if outage.is_none() {
                    tracing::warn!(
                        during = what,
                        error = %e,
                        "outage: waiting for it to end (retrying with backoff up to {}s)",
                        LONGEST_WAIT.as_secs()
                    );
                    outage = Some(Instant::now());
                }
                if shutdown.sleep(wait).await {
                    tracing::info!(
                        during = what,
                        "stopping during an outage; unfinished entries stay pending"
                    );
                    return Ok(None);
                }
                wait = (wait * 2).min(LONGEST_WAIT);
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Failure {
        transient: bool,
    }

    impl std::fmt::Display for Failure {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(if self.transient { "down" } else { "refused" })
        }
    }

    impl Transient for Failure {
        fn is_transient(&self) -> bool {
            self.transient
        }
    }

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_waited_out_with_growing_waits() {
        let started = tokio::time::Instant::now();
        let mut tries = 0;
        let result = retry(&Shutdown::never(), "test", async || {
            tries += 1;
            if tries < 6 {
                Err(Failure { transient: true })
            } else {
                Ok(tries)
            }
        })
        .await;
        assert!(matches!(result, Ok(Some(6))));
        // 0.25 + 0.5 + 1 + 2 + 4 seconds of backoff.
        assert_eq!(started.elapsed(), Duration::from_millis(7750));
    }

    #[tokio::test(start_paused = true)]
    async fn waits_stop_growing_at_the_cap() {
        let mut tries = 0;
        let mut last = tokio::time::Instant::now();
        let mut longest = Duration::ZERO;
        let _ = retry(&Shutdown::never(), "test", async || {
            longest = longest.max(last.elapsed());
            last = tokio::time::Instant::now();
            tries += 1;
            if tries < 20 {
                Err(Failure { transient: true })
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!(longest, LONGEST_WAIT);
    }

    #[tokio::test(start_paused = true)]
    async fn a_permanent_error_is_returned_at_once() {
        let mut tries = 0;
        let result: Result<Option<()>, Failure> = retry(&Shutdown::never(), "test", async || {
            tries += 1;
            Err(Failure { transient: false })
        })
        .await;
        assert!(matches!(result, Err(Failure { transient: false })));
        assert_eq!(tries, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_ends_the_wait() {
        let shutdown = Shutdown::new(tokio::time::sleep(Duration::from_secs(5)));
        let result: Result<Option<()>, Failure> =
            retry(&shutdown, "test", async || Err(Failure { transient: true })).await;
        assert!(matches!(result, Ok(None)));
    }
}
