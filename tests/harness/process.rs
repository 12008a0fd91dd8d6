//! What a running process costs, read from `/proc`: CPU time and memory. For benchmarks.

use std::collections::BTreeSet;
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

/// Mebibytes, for printing.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The TCP connections process `pid` holds to `port` (on any address): its sockets found in
/// `/proc/net/tcp` and `tcp6` with that remote port. Another process's connections are never
/// counted, so tests running beside it do not change it.
pub fn connections_to(pid: u32, port: u16) -> usize {
    let inodes = socket_inodes(pid);
    tcp_sockets()
        .iter()
        .filter(|s| s.remote_port == port && s.state == ESTABLISHED && inodes.contains(&s.inode))
        .count()
}

/// The process listening on TCP `port` of this machine, found by the socket and not by the
/// program's name: another server of the same program (a test's own MariaDB) may be running
/// beside the one a benchmark talks to. `None` when no process this one may look into has it.
pub fn listening_on(port: u16) -> Option<u32> {
    let listening: BTreeSet<String> = tcp_sockets()
        .into_iter()
        .filter(|s| s.local_port == port && s.state == LISTEN)
        .map(|s| s.inode)
        .collect();
    if listening.is_empty() {
        return None;
    }
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|&pid| !socket_inodes(pid).is_disjoint(&listening))
}

/// `/proc/net/tcp`'s states: `01` established, `0A` listening.
const ESTABLISHED: &str = "01";
const LISTEN: &str = "0A";

/// One row of `/proc/net/tcp` or `tcp6`.
struct TcpSocket {
    local_port: u16,
    remote_port: u16,
    state: String,
    inode: String,
}

fn tcp_sockets() -> Vec<TcpSocket> {
    let port = |address: &str| {
        address
            .rsplit_once(':')
            .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok())
    };
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| {
                    // sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid,
                    // timeout, inode, …
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    Some(TcpSocket {
                        local_port: port(fields.get(1)?)?,
                        remote_port: port(fields.get(2)?)?,
                        state: (*fields.get(3)?).to_owned(),
                        inode: (*fields.get(9)?).to_owned(),
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The inodes of the sockets process `pid` holds open (`/proc/<pid>/fd` links `socket:[N]`).
fn socket_inodes(pid: u32) -> BTreeSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            Some(link.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_listening_on_a_port_is_found_by_its_socket() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        assert_eq!(listening_on(port), Some(std::process::id()));
        let client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        assert_eq!(connections_to(std::process::id(), port), 1);
        drop((client, listener));
        assert_eq!(listening_on(port), None, "nobody listens once it is closed");
    }
}
