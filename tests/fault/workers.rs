//! The fault test's workers: each binary's running replicas, killed, paused and started again.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use harness::{Run, bin};
use tokio::process::{Child, Command};

/// One worker binary and its running replicas.
pub struct Worker {
    binary: &'static str,
    pub stage: &'static str,
    args: Vec<String>,
    /// Each replica, with its consumer name.
    pub replicas: Vec<(String, Child)>,
    starts: usize,
    pub kills: usize,
}

impl Worker {
    pub fn new(binary: &'static str, stage: &'static str, args: &[&str]) -> Worker {
        Worker {
            binary,
            stage,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            replicas: Vec::new(),
            starts: 0,
            kills: 0,
        }
    }

    /// Starts one more replica, under a consumer name no earlier process used, so what a
    /// killed one left pending must be taken over (XAUTOCLAIM) by another.
    fn spawn(&mut self, run: &Run, logs: &Path) -> (String, Child) {
        self.starts += 1;
        let name = format!("{}-{}", self.stage, self.starts);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join(format!("{}.log", self.stage)))
            .expect("open the worker's log");
        let child = Command::new(bin(self.binary))
            .arg("--config")
            .arg(&run.dir)
            .args(&self.args)
            .env("MATCHBOT_CONSUMER", &name)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("the worker starts");
        (name, child)
    }

    pub fn start(&mut self, replicas: usize, run: &Run, logs: &Path) {
        for _ in 0..replicas {
            let replica = self.spawn(run, logs);
            self.replicas.push(replica);
        }
    }

    /// SIGKILLs replica `index` and starts a new one in its place after `pause`.
    pub async fn kill(&mut self, index: usize, pause: Duration, run: &Run, logs: &Path) {
        let child = &mut self.replicas[index].1;
        child.start_kill().expect("SIGKILL the worker");
        let _ = child.wait().await;
        self.kills += 1;
        tokio::time::sleep(pause).await;
        self.replicas[index] = self.spawn(run, logs);
    }

    /// SIGSTOPs the replica named `name` for `pause`, then lets it go on (SIGCONT); false when
    /// no replica has that name.
    pub async fn pause(&mut self, name: &str, pause: Duration) -> bool {
        let Some(pid) = self
            .replicas
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, child)| child.id())
        else {
            return false;
        };
        let signal = |signal: &str| {
            std::process::Command::new("kill")
                .args([signal, &pid.to_string()])
                .status()
                .is_ok_and(|s| s.success())
        };
        assert!(signal("-STOP"), "SIGSTOP {name}");
        tokio::time::sleep(pause).await;
        assert!(signal("-CONT"), "SIGCONT {name}");
        true
    }

    /// SIGTERMs every replica; each must exit 0 within 10 s.
    pub async fn stop(&mut self) {
        for (_, child) in &mut self.replicas {
            harness::sigterm(child);
            let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
                .await
                .unwrap_or_else(|_| panic!("{} did not stop within 10 s of SIGTERM", self.binary))
                .expect("wait for the worker");
            assert!(
                status.success(),
                "{} exited with {status} after SIGTERM",
                self.binary
            );
        }
    }
}
