//! What a benchmark ran on, printed above its figures so that they can be compared: the
//! machine, the servers' versions, the compiler and the commit.

use mysql_async::prelude::Queryable;

/// A few lines naming this machine, the Redis at `redis_url`, the MariaDB on `db_port` of
/// 127.0.0.1 (and the process serving it), the Rust compiler and MatchBot's commit. What cannot
/// be read says so in its place.
pub async fn describe(redis_url: &str, db_port: u16) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = read("/proc/cpuinfo");
    let model = field(&cpuinfo, "model name", ':').unwrap_or("an unknown CPU");
    let meminfo = read("/proc/meminfo");
    let memory = field(&meminfo, "MemTotal", ':')
        .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("unknown memory".to_owned(), |kb| {
            format!("{:.1} GiB", kb / 1024.0 / 1024.0)
        });
    let os_release = read("/etc/os-release");
    let os =
        field(&os_release, "PRETTY_NAME", '=').map_or("an unknown system", |v| v.trim_matches('"'));
    let kernel = read("/proc/sys/kernel/osrelease");
    let mariadb_pid = crate::process::listening_on(db_port)
        .map_or("no process found listening".to_owned(), |pid| {
            format!("pid {pid}")
        });
    let clean =
        command("git", &["status", "--porcelain", "--untracked-files=no"]).map(|s| s.is_empty());
    format!(
        "machine: {cores} cores ({model}), {memory}; {os}, Linux {}\n\
         Redis {} ({})\n\
         MariaDB {} on port {db_port} ({mariadb_pid})\n\
         {}; MatchBot {}{}",
        kernel.trim(),
        redis_version(redis_url).await,
        redis_settings(redis_url).await,
        mariadb_version(db_port).await,
        command("rustc", &["--version"]).unwrap_or_else(|| "rustc: not found".to_owned()),
        command("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "(no commit)".into()),
        match clean {
            Some(true) => "",
            Some(false) => " with uncommitted changes",
            None => "",
        },
    )
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The value of the first `name<sep>value` line of `text`.
fn field<'t>(text: &'t str, name: &str, sep: char) -> Option<&'t str> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(sep)?;
        (key.trim() == name).then(|| value.trim())
    })
}

/// A command's first line of output, if it ran.
fn command(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    })
}

async fn redis_info(redis_url: &str, section: &str) -> String {
    let Ok(client) = redis::Client::open(redis_url) else {
        return String::new();
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return String::new();
    };
    redis::cmd("INFO")
        .arg(section)
        .query_async(&mut conn)
        .await
        .unwrap_or_default()
}

async fn redis_version(redis_url: &str) -> String {
    let info = redis_info(redis_url, "server").await;
    field(&info, "redis_version", ':').map_or("(version unknown)".to_owned(), str::to_owned)
}

/// What changes Redis's speed: persistence and a memory cap.
async fn redis_settings(redis_url: &str) -> String {
    let persistence = redis_info(redis_url, "persistence").await;
    let memory = redis_info(redis_url, "memory").await;
    format!(
        "append-only file {}, maxmemory {}",
        match field(&persistence, "aof_enabled", ':') {
            Some("1") => "on",
            Some(_) => "off",
            None => "unknown",
        },
        field(&memory, "maxmemory_human", ':').unwrap_or("unknown"),
    )
}

async fn mariadb_version(db_port: u16) -> String {
    let pool = mysql_async::Pool::new(
        mysql_async::OptsBuilder::default()
            .ip_or_hostname("127.0.0.1")
            .tcp_port(db_port)
            .user(Some("root")),
    );
    let row = match pool.get_conn().await {
        Ok(mut conn) => conn
            .query_first::<(String, u64, u64), _>(
                "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_buffer_pool_size",
            )
            .await
            .ok()
            .flatten(),
        Err(_) => None,
    };
    pool.disconnect().await.ok();
    row.map_or("(version unknown)".to_owned(), |(version, flush, pool)| {
        format!(
            "{version}, innodb_flush_log_at_trx_commit {flush}, buffer pool {} MiB",
            pool / 1024 / 1024
        )
    })
}
