//! The compose stack as the test drives it: `scripts/compose` for Docker and the images, then
//! `docker-compose` with the shipped file and the stand-ins' override, and `docker` for what a
//! person would look at (health, restarts, the rows in MariaDB).

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

/// The compose project: fixed, so a run that died half-way is cleaned up by the next one.
const PROJECT: &str = "matchbot-compose-test";

/// Debian's Docker client, which speaks the daemon's API version (`scripts/compose` installs
/// it; another `docker` may come first on PATH).
const DOCKER: &str = "/usr/bin/docker";

/// The worker services of docker-compose.yml.
pub const WORKERS: [&str; 4] = ["scanner", "matcher", "notifier", "recorder"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The Docker daemon `scripts/compose` runs, with every image built.
pub struct Docker {
    host: String,
    /// The host's address on Docker's bridge: `host.docker.internal` in the containers.
    pub gateway: IpAddr,
}

/// Installs Docker, starts its daemon and builds the images from the binaries this test
/// runs with; `None`, said loudly, only where the daemon cannot run on this machine.
pub async fn prepare() -> Option<Docker> {
    let bindir = harness::bin("matchbot")
        .parent()
        .expect("the binaries' directory")
        .to_path_buf();
    let script = root().join("scripts/compose");
    let out = Command::new(&script)
        .arg("prepare")
        .arg(&bindir)
        .output()
        .await
        .expect("scripts/compose runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        // Written past the test harness's capture, so it shows in every run's output.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: the compose stack test did not run: dockerd cannot start on this \
             machine ***\n{stderr}"
        );
        return None;
    }
    assert!(
        out.status.success(),
        "scripts/compose prepare failed:\n{stderr}"
    );
    let env = Command::new(&script)
        .arg("env")
        .output()
        .await
        .expect("scripts/compose env");
    let host = String::from_utf8_lossy(&env.stdout)
        .trim()
        .trim_start_matches("DOCKER_HOST=")
        .to_owned();
    let gateway = Command::new(&script)
        .arg("gateway")
        .output()
        .await
        .expect("scripts/compose gateway");
    let gateway = String::from_utf8_lossy(&gateway.stdout);
    let gateway = gateway
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("the bridge's address {gateway:?}: {e}"));
    Some(Docker { host, gateway })
}

/// One compose project: docker-compose.yml with deploy/standin/compose.test.yml, its
/// project directory holding the `config.json` the services mount.
pub struct Stack {
    docker: Docker,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Stack {
    /// A stack whose project directory is `dir` (with `config.json` in it); `env` is
    /// docker-compose's environment, as a user exports their secrets.
    pub async fn new(docker: Docker, dir: &Path, env: &[(&str, &str)]) -> Stack {
        let deploy = dir.join("deploy");
        std::fs::create_dir_all(&deploy).expect("the project's deploy directory");
        std::fs::copy(
            root().join("deploy/otel-collector.yaml"),
            deploy.join("otel-collector.yaml"),
        )
        .expect("copy the collector's configuration");
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.push(("DOCKER_HOST".into(), docker.host.clone()));
        let stack = Stack {
            docker,
            dir: dir.to_path_buf(),
            env,
        };
        // What an earlier run left, if it died before coming down.
        stack
            .compose(&["down", "--volumes", "--remove-orphans"])
            .await;
        stack
    }

    /// `docker-compose ARGS` for this project, as a user would type it; its output.
    pub async fn compose(&self, args: &[&str]) -> std::process::Output {
        Command::from(self.compose_command(args))
            .output()
            .await
            .expect("docker-compose runs")
    }

    fn compose_command(&self, args: &[&str]) -> std::process::Command {
        let root = root();
        let mut command = std::process::Command::new("docker-compose");
        command
            .arg("--project-directory")
            .arg(&self.dir)
            .args(["-p", PROJECT, "-f"])
            .arg(root.join("docker-compose.yml"))
            .arg("-f")
            .arg(root.join("deploy/standin/compose.test.yml"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// `docker-compose ARGS`, insisting it succeeds; its standard output.
    pub async fn compose_ok(&self, args: &[&str]) -> String {
        let out = self.compose(args).await;
        assert!(
            out.status.success(),
            "docker-compose {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `docker ARGS`, insisting it succeeds; its standard output, trimmed.
    pub async fn docker(&self, args: &[&str]) -> String {
        let out = Command::new(DOCKER)
            .args(args)
            .env("DOCKER_HOST", &self.docker.host)
            .output()
            .await
            .expect("docker runs");
        assert!(
            out.status.success(),
            "docker {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The containers of `service`, running or not, by id.
    pub async fn containers(&self, service: &str) -> Vec<String> {
        let ids = self.compose_ok(&["ps", "-a", "-q", service]).await;
        ids.lines().map(str::to_owned).collect()
    }

    /// Every container of this project, by name, running or not.
    pub async fn all_containers(&self) -> Vec<String> {
        let label = format!("label=com.docker.compose.project={PROJECT}");
        let names = self
            .docker(&["ps", "-a", "--filter", &label, "--format", "{{.Names}}"])
            .await;
        names.lines().map(str::to_owned).collect()
    }

    /// `docker inspect --format FORMAT ID`.
    pub async fn inspect(&self, id: &str, format: &str) -> String {
        self.docker(&["inspect", "--format", format, id]).await
    }

    /// The health docker reports for container `id`: `healthy`, `unhealthy`, `starting`.
    pub async fn health(&self, id: &str) -> String {
        self.inspect(id, "{{.State.Health.Status}}").await
    }

    /// Waits until every container of `services` says `health`, or panics after `timeout`
    /// with what each one said last.
    pub async fn wait_health(&self, services: &[&str], health: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut states = Vec::new();
            for service in services {
                for id in self.containers(service).await {
                    states.push((service.to_string(), self.health(&id).await));
                }
            }
            if !states.is_empty() && states.iter().all(|(_, h)| h == health) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                let logs = self.compose(&["logs", "--tail=20"]).await;
                panic!(
                    "not all {health} after {timeout:?}: {states:?}\n{}",
                    String::from_utf8_lossy(&logs.stdout)
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The rows `sql` selects in database `db`, asked of the stack's MariaDB with its own
    /// client, as an operator would: one tab-separated line per row.
    pub async fn sql(&self, db: &str, sql: &str) -> Vec<String> {
        let out = self
            .compose_ok(&[
                "exec",
                "-T",
                "mariadb",
                "mariadb",
                "--default-character-set=utf8mb4",
                "-N",
                "-B",
                db,
                "-e",
                sql,
            ])
            .await;
        out.lines().map(str::to_owned).collect()
    }
}

/// A test that fails half-way leaves no stack running behind it.
impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self
            .compose_command(&["down", "--volumes", "--remove-orphans"])
            .output();
    }
}
