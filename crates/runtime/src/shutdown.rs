use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// Tells a worker loop to stop. Cheap to clone; every clone sees the same signal.
///
/// As in mini-redis, the signal is passed in rather than listened for inside the loop, so a test
/// can stop a worker with any future. Loops check [`Shutdown::is_shutdown`] between units of work
/// and finish what they hold; only idle waits ([`Shutdown::sleep`]) are cut short.
#[derive(Clone, Debug)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    /// A shutdown that fires when `signal` completes. Must be called inside a tokio runtime.
    pub fn new(signal: impl Future<Output = ()> + Send + 'static) -> Shutdown {
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            signal.await;
            let _ = tx.send(true);
        });
        Shutdown { rx }
    }

    /// A shutdown that never fires (for `--once` runs that end by themselves).
    pub fn never() -> Shutdown {
        Shutdown::new(std::future::pending())
    }

    /// True once the signal came.
    pub fn is_shutdown(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits until the signal comes.
    ///
    /// Cancel safety: cancel safe; it only watches a flag.
    pub async fn wait(&self) {
        let mut rx = self.rx.clone();
        // An error means the sender is gone, which only happens once it has sent.
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Sleeps for `duration` unless the signal comes first. Returns true if it came.
    ///
    /// A deliberate wait is not a stuck worker: the heartbeat beats all through it.
    pub async fn sleep(&self, duration: Duration) -> bool {
        let until = tokio::time::Instant::now() + duration;
        loop {
            crate::heartbeat::beat();
            let step = until
                .saturating_duration_since(tokio::time::Instant::now())
                .min(crate::heartbeat::BEAT_EVERY);
            tokio::select! {
                () = tokio::time::sleep(step) => {
                    if self.is_shutdown() {
                        return true;
                    }
                    if tokio::time::Instant::now() >= until {
                        return false;
                    }
                }
                () = self.wait() => return true,
            }
        }
    }
}

/// Completes on SIGTERM (how Toolforge and Kubernetes stop a job) or SIGINT (Ctrl-C).
pub(crate) async fn signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received; finishing in-flight work"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received; finishing in-flight work"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C will stop this worker");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sleep_is_cut_short_by_the_signal() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let shutdown = Shutdown::new(async {
            let _ = rx.await;
        });
        assert!(!shutdown.is_shutdown());
        assert!(
            !shutdown.sleep(Duration::from_secs(1)).await,
            "no signal yet"
        );
        tx.send(()).unwrap();
        assert!(shutdown.sleep(Duration::from_secs(3600)).await);
        assert!(shutdown.is_shutdown());
    }
}
