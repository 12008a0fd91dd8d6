//! A test's own Redis and MariaDB servers, for tests that restart them: restarting the
//! machine's shared ones would pull the floor from under every other test.
//!
//! Both run from the Debian packages `scripts/sandbox` installs, on free ports of 127.0.0.1,
//! with their data in a temporary directory, and are killed when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn wait_for_port(port: u16, what: &str, log: &Path) {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("{what} did not listen on port {port} within 15 s; its log:\n{log}");
}

fn log_file(path: &Path) -> Stdio {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(Stdio::from)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// A Redis server that writes every command to its append-only file before answering, so a
/// restart loses nothing it acknowledged.
pub struct OwnRedis {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    password: Option<String>,
    child: Option<Child>,
}

impl OwnRedis {
    /// Starts one in a new directory under `parent`.
    pub async fn start(parent: &Path) -> OwnRedis {
        OwnRedis::start_with(parent, None).await
    }

    /// Starts one that asks clients for `password` (`requirepass`).
    pub async fn start_with_password(parent: &Path, password: &str) -> OwnRedis {
        OwnRedis::start_with(parent, Some(password.to_owned())).await
    }

    async fn start_with(parent: &Path, password: Option<String>) -> OwnRedis {
        let dir = parent.join("redis");
        std::fs::create_dir_all(&dir).expect("create the Redis directory");
        let mut redis = OwnRedis {
            port: free_port(),
            dir,
            password,
            child: None,
        };
        redis.spawn().await;
        redis
    }

    /// `redis://127.0.0.1:<port>/`, with the password when there is one.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    async fn spawn(&mut self) {
        let log = self.dir.join("redis.log");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .args(["--save", ""])
            .args(
                self.password
                    .iter()
                    .flat_map(|p| ["--requirepass".to_owned(), p.clone()]),
            )
            .stdout(log_file(&log))
            .stderr(log_file(&log))
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server starts (scripts/sandbox installs it)");
        self.child = Some(child);
        wait_for_port(self.port, "redis-server", &log).await;
    }

    /// Stops Redis the way an operator or a host reboot does (SIGTERM: it finishes writing
    /// its append-only file), then starts it again on the same port and data.
    pub async fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child, "redis-server").await;
        }
        self.spawn().await;
    }
}

/// A MariaDB server of its own, root without a password.
pub struct OwnMariaDb {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl OwnMariaDb {
    /// Creates its data directory under `parent` and starts it.
    pub async fn start(parent: &Path) -> OwnMariaDb {
        let dir = parent.join("mariadb");
        std::fs::create_dir_all(&dir).expect("create the MariaDB directory");
        let out = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("data").display()))
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--user=root",
            ])
            .output()
            .await
            .expect("mariadb-install-db runs (scripts/sandbox installs it)");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut db = OwnMariaDb {
            port: free_port(),
            dir,
            child: None,
        };
        db.spawn().await;
        db
    }

    async fn spawn(&mut self) {
        let log = self.dir.join("mariadb.log");
        // Debian keeps it in /usr/sbin, which a user's PATH may lack.
        let program = ["/usr/sbin/mariadbd", "mariadbd"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("mariadbd");
        let child = Command::new(program)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", self.dir.join("data").display()))
            .arg(format!("--socket={}", self.dir.join("sock").display()))
            .arg(format!("--pid-file={}", self.dir.join("pid").display()))
            .arg(format!("--port={}", self.port))
            .args([
                "--bind-address=127.0.0.1",
                "--user=root",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=64M",
            ])
            .stdout(log_file(&log))
            .stderr(log_file(&log))
            .kill_on_drop(true)
            .spawn()
            .expect("mariadbd starts (scripts/sandbox installs it)");
        self.child = Some(child);
        wait_for_port(self.port, "mariadbd", &log).await;
    }

    /// Shuts MariaDB down cleanly (SIGTERM, as `systemctl restart` does) and starts it again.
    pub async fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child, "mariadbd").await;
        }
        self.spawn().await;
    }
}

/// Sends SIGTERM to `child` and waits for it to exit (SIGKILL after 30 s).
async fn terminate(child: &mut Child, what: &str) {
    crate::sigterm(child);
    if tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .is_err()
    {
        eprintln!("{what} ignored SIGTERM for 30 s; killing it");
        let _ = child.kill().await;
    }
}
