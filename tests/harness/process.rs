//! What a running process costs, read from `/proc`: CPU time and memory. For benchmarks.

use std::time::Duration;

/// CPU time and memory of one process at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User plus system CPU time so far.
    pub cpu: Duration,
    /// Resident memory now, in bytes.
    pub rss: u64,
    /// The most resident memory so far (`VmHWM`), in bytes.
    pub peak_rss: u64,
}

/// The usage of process `pid`; `None` when it has exited or `/proc` cannot be read.
pub fn usage(pid: u32) -> Option<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after it.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .map(|k| k * 1024)
    };
    Some(Usage {
        cpu: Duration::from_micros(ticks * 1_000_000 / clock_ticks_per_second()),
        rss: kib("VmRSS:")?,
        peak_rss: kib("VmHWM:")?,
    })
}

/// The CPU time this process and its threads have used so far.
pub fn own_cpu() -> Duration {
    usage(std::process::id()).map_or(Duration::ZERO, |u| u.cpu)
}

/// `sysconf(_SC_CLK_TCK)` (100 on every Linux MatchBot runs on), asked of `getconf` once.
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// The process id of the running program `name` (the first `pidof` gives), if any.
pub fn pid_of(name: &str) -> Option<u32> {
    let out = std::process::Command::new("pidof")
        .arg(name)
        .output()
        .ok()?;
    String::from_utf8(out.stdout)
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Mebibytes, for printing.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The TCP connections process `pid` holds to `port` (on any address): its socket inodes
/// (`/proc/<pid>/fd`) found in `/proc/net/tcp` and `tcp6` with that remote port. Another
/// process's connections are never counted, so tests running beside it do not change it.
pub fn connections_to(pid: u32, port: u16) -> usize {
    let inodes: std::collections::BTreeSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            Some(link.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let remote_port = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .map(|text| {
            text.lines()
                .skip(1)
                .filter(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    // sl, local_address, rem_address, st (01: established), …, inode (10th).
                    fields.len() > 9
                        && fields[2].ends_with(&remote_port)
                        && fields[3] == "01"
                        && inodes.contains(fields[9])
                })
                .count()
        })
        .sum()
}
