//! The worker's heartbeat: a file whose modification time says when the worker last made
//! progress, for Toolforge's `health-check-script` (`matchbot health <stage>`) and for
//! `healthcheck` in docker-compose.yml.
//!
//! It is touched from the work loops themselves — each pass of a stage's read loop, each
//! deliberate wait ([`crate::Shutdown::sleep`] beats while it sleeps) — never from a timer task of
//! its own: a timer would go on beating while the loop it vouches for hangs. A worker that stops
//! moving therefore has a heartbeat older than [`STALE_AFTER`] within that time.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// A heartbeat older than this means the worker is stuck. The longest a live worker goes
/// between beats is a blocking read (2 s), a wiki request (its timeout, 30 s by default) or
/// one step of a wait (`BEAT_EVERY`), so this leaves room and still detects a stuck worker well
/// within a minute of its last beat.
pub const STALE_AFTER: Duration = Duration::from_secs(45);

/// How often a long wait beats.
pub(crate) const BEAT_EVERY: Duration = Duration::from_secs(5);

/// The environment variable naming the heartbeat file, overriding [`default_path`].
pub const HEARTBEAT_ENV: &str = "MATCHBOT_HEARTBEAT";

/// Beats closer together than this touch the file once: a busy stage loops far faster.
const MIN_GAP: Duration = Duration::from_secs(1);

struct Heartbeat {
    path: PathBuf,
    started: Instant,
    /// Milliseconds after `started` of the last touch.
    last_ms: AtomicU64,
}

static HEARTBEAT: OnceLock<Heartbeat> = OnceLock::new();

/// Where `binary`'s heartbeat is kept unless `MATCHBOT_HEARTBEAT` says otherwise: one file per
/// worker in the temporary directory (each Toolforge or compose replica has its own).
pub fn default_path(binary: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{binary}.heartbeat"))
}

/// The heartbeat file of `binary` in this environment.
pub fn path_for(binary: &str) -> PathBuf {
    match std::env::var_os(HEARTBEAT_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => default_path(binary),
    }
}

/// Starts this process's heartbeat at [`path_for`]`(binary)` with a first beat. A file that
/// cannot be written is logged once; the worker runs on, and its health check will say so.
pub(crate) fn start(binary: &str) {
    let heartbeat = HEARTBEAT.get_or_init(|| Heartbeat {
        path: path_for(binary),
        started: Instant::now(),
        last_ms: AtomicU64::new(0),
    });
    if let Err(e) = touch(&heartbeat.path) {
        tracing::warn!(path = %heartbeat.path.display(), error = %e, "cannot write the heartbeat file; health checks will fail");
    }
}

/// Records that the worker is making progress. Cheap: it touches the file at most once a
/// second. Does nothing in a process that did not start a heartbeat (tests running a worker
/// in-process).
pub fn beat() {
    let Some(heartbeat) = HEARTBEAT.get() else {
        return;
    };
    let now = heartbeat.started.elapsed().as_millis() as u64;
    let last = heartbeat.last_ms.load(Ordering::Relaxed);
    if now.saturating_sub(last) < MIN_GAP.as_millis() as u64 {
        return;
    }
    heartbeat.last_ms.store(now, Ordering::Relaxed);
    // A failed touch shows as a stale heartbeat, which is what the health check should see.
    let _ = touch(&heartbeat.path);
}

fn touch(path: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.set_modified(SystemTime::now())
}

/// How long ago the heartbeat at `path` last beat.
pub fn age(path: &Path) -> std::io::Result<Duration> {
    let modified = std::fs::metadata(path)?.modified()?;
    // A clock stepped back makes the file look new: that is not a stuck worker.
    Ok(SystemTime::now()
        .duration_since(modified)
        .unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_reads_the_last_touch() {
        let dir = std::env::temp_dir().join(format!("matchbot-heartbeat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.heartbeat");
        touch(&path).unwrap();
        assert!(age(&path).unwrap() < Duration::from_secs(5));
        let old = SystemTime::now() - Duration::from_secs(120);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let aged = age(&path).unwrap();
        assert!(aged >= Duration::from_secs(119), "{aged:?}");
        assert!(age(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
