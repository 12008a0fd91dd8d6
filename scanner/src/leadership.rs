//! Which scanner replica scans: the one holding the scanner lease. The others stand by, each
//! looking every second whether the lease is free, so one of them takes over within
//! [`LEASE`] and a second of the holder's death.
//!
//! Two scanners polling at once would both see a new request before either noted it seen, and
//! both hand it out; with the lease only the holder polls, and every commit it makes is fenced
//! by the lease (see `Bus::commit_fenced`), so a holder that was paused past its lease and wakes
//! up believing it still scans writes nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use matchbot_bus::{Bus, Lease, SCANNER_LEASE};
use matchbot_runtime::Shutdown;
use tokio::task::JoinHandle;

use crate::error::ScanError;

/// How long the lease lasts without renewal: how long a dead holder keeps the standbys
/// waiting, and how long a live one may go without reaching Redis before it loses the lease.
pub const LEASE: Duration = Duration::from_secs(5);

/// How often the holder renews: three tries before the lease runs out.
const RENEW_EVERY: Duration = Duration::from_millis(1500);

/// How often a standby looks whether the lease is free.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// The lease, held; renewed in the background until it is released or lost.
pub(crate) struct Leadership {
    lease: Lease,
    lost: Arc<AtomicBool>,
    renewer: JoinHandle<()>,
}

impl Leadership {
    /// Waits until `replica` holds the scanner lease; `None` if `shutdown` came first.
    pub(crate) async fn take(
        bus: &Bus,
        replica: &str,
        shutdown: &Shutdown,
    ) -> Result<Option<Leadership>, ScanError> {
        let mut said = None;
        let mut unreachable = false;
        loop {
            bus.note_candidate(SCANNER_LEASE, replica).await.ok();
            match bus.take_lease(SCANNER_LEASE, replica, LEASE).await {
                Ok(Some(lease)) => {
                    tracing::info!(replica, "holding the scanner lease: this replica scans");
                    return Ok(Some(Leadership::hold(bus, lease)));
                }
                Ok(None) => {
                    unreachable = false;
                    let holder = bus
                        .lease_status(SCANNER_LEASE)
                        .await
                        .ok()
                        .flatten()
                        .and_then(|s| s.holder);
                    if said != Some(holder.clone()) {
                        tracing::info!(
                            replica,
                            holder = holder.as_deref().unwrap_or("?"),
                            "another replica scans: standing by"
                        );
                        said = Some(holder);
                    }
                }
                Err(e) if e.is_transient() => {
                    if !unreachable {
                        tracing::warn!(error = %e, "cannot reach Redis to take the scanner lease; trying every second");
                        unreachable = true;
                    }
                }
                Err(e) => return Err(e.into()),
            }
            if shutdown.sleep(LOOK_EVERY).await {
                return Ok(None);
            }
        }
    }

    fn hold(bus: &Bus, lease: Lease) -> Leadership {
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = tokio::spawn(renew(bus.clone(), lease.clone(), lost.clone()));
        Leadership {
            lease,
            lost,
            renewer,
        }
    }

    /// The lease, for fencing commits.
    pub(crate) fn lease(&self) -> &Lease {
        &self.lease
    }

    /// True once a renewal found the lease gone: stop scanning (the fence refuses any write
    /// already under way).
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Gives the lease up, so that a standby takes over at once rather than when it runs out.
    pub(crate) async fn release(self, bus: &Bus) {
        self.renewer.abort();
        if let Err(e) = bus.release_lease(&self.lease).await {
            tracing::warn!(error = %e, "could not give the scanner lease up; a standby takes it when it runs out");
        }
    }
}

impl Drop for Leadership {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

/// Renews `lease` every [`RENEW_EVERY`] until a renewal finds it gone.
async fn renew(bus: Bus, lease: Lease, lost: Arc<AtomicBool>) {
    let mut failing = false;
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        match bus.renew_lease(&lease).await {
            Ok(true) => {
                failing = false;
                bus.note_candidate(SCANNER_LEASE, lease.holder()).await.ok();
            }
            Ok(false) => {
                tracing::warn!(
                    replica = lease.holder(),
                    "the scanner lease ran out before it was renewed (was this process paused?): standing by"
                );
                lost.store(true, Ordering::Relaxed);
                return;
            }
            // Redis away: keep trying; if it stays away past the lease, the renewal that
            // reaches it finds the lease gone.
            Err(e) if !failing => {
                tracing::warn!(error = %e, "could not renew the scanner lease; trying again");
                failing = true;
            }
            Err(_) => {}
        }
    }
}
