//! A local stand-in for Wikimedia's EventStreams, for the benchmarks: the `recentchange`
//! stream as server-sent events, at a steady rate of events shaped as Wikimedia's (the
//! documented fields and the usual extra ones, about 1 KB each), spread over [`WIKIS`] wikis.
//!
//! Programme `p` of a benchmark is on wiki `p` ([`wiki`]). Of the stream, 2 % are `categorize`
//! events into one of the programmes' categories (on a wiki that may have no programme), 10 %
//! other categorize events, 5 % log events and the rest edits. A benchmark may also put an event
//! of its own on the stream ([`EventStreams::categorize`]), sent before the next of the rest.
//!
//! The server runs on an OS thread of its own, so its CPU time can be read apart from the
//! process's ([`EventStreams::server_cpu`]).

use std::io::{BufWriter, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Wikis the stream's changes are spread over.
pub const WIKIS: usize = 900;

/// Wiki `n`'s database name and host: `w007wiki`, `w007.wikipedia.org`.
pub fn wiki(n: usize) -> (String, String) {
    (format!("w{n:03}wiki"), format!("w{n:03}.wikipedia.org"))
}

/// The server's counters.
#[derive(Default)]
struct Served {
    events: AtomicU64,
    for_programmes: AtomicU64,
    connections: AtomicU64,
    stop: AtomicBool,
}

/// A running stream. Stopping it (or dropping it) ends the connection it serves; its thread
/// then waits for a connection that never comes, which is fine for a benchmark process.
pub struct EventStreams {
    /// Its URL, `http://127.0.0.1:<port>/v2/stream/recentchange`.
    pub url: String,
    served: Arc<Served>,
    own: mpsc::Sender<(usize, String)>,
    thread_stat: String,
}

impl EventStreams {
    /// Starts a stream of `rate` events a second for `programmes` programmes, whose
    /// categories are `categories` (the same for each, as copies of one Co-op's settings).
    pub fn start(rate: u64, programmes: usize, categories: Vec<String>) -> EventStreams {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port for the stream");
        let url = format!(
            "http://{}/v2/stream/recentchange",
            listener.local_addr().expect("the stream's address")
        );
        let served = Arc::new(Served::default());
        let (own, own_events) = mpsc::channel();
        let (stat_tx, stat_rx) = mpsc::channel();
        let traffic = Traffic {
            dice: Dice(0x9e37_79b9_7f4a_7c15),
            programmes: programmes.max(1),
            categories,
            n: 0,
        };
        let serving = Arc::clone(&served);
        std::thread::spawn(move || {
            // "<pid>/task/<tid>": where this thread's own CPU time is read.
            let own = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
            let _ = stat_tx.send(format!("/proc/{}/stat", own.display()));
            serve(listener, rate, traffic, &own_events, &serving);
        });
        EventStreams {
            url,
            served,
            own,
            thread_stat: stat_rx.recv().expect("the stream's thread starts"),
        }
    }

    /// Puts a `categorize` event into `category` on wiki `wiki` on the stream, next.
    pub fn categorize(&self, wiki: usize, category: &str) {
        let _ = self.own.send((wiki, category.to_owned()));
    }

    /// Events sent so far.
    pub fn events(&self) -> u64 {
        self.served.events.load(Ordering::Relaxed)
    }

    /// Events sent so far that a programme's filter keeps (its wiki, its categories),
    /// [`EventStreams::categorize`]'s among them.
    pub fn for_programmes(&self) -> u64 {
        self.served.for_programmes.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.served.connections.load(Ordering::Relaxed)
    }

    /// CPU seconds the server's thread used so far.
    pub fn server_cpu(&self) -> f64 {
        thread_cpu(&self.thread_stat)
    }

    /// Ends the connection being served and accepts no other.
    pub fn stop(&self) {
        self.served.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for EventStreams {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A small deterministic generator (xorshift), so each run sends the same stream.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// What the stream carries.
struct Traffic {
    dice: Dice,
    programmes: usize,
    categories: Vec<String>,
    n: u64,
}

impl Traffic {
    /// The next event of the stream's own, and whether a programme keeps it.
    fn next(&mut self) -> (String, bool) {
        let dice = &mut self.dice;
        let roll = dice.below(1000);
        let (w, kind, title, programme) = if roll < 20 && !self.categories.is_empty() {
            let p = dice.below(self.programmes);
            let title = self.categories[dice.below(self.categories.len())].clone();
            (p % WIKIS, "categorize", title, true)
        } else if roll < 120 {
            let t = format!("Category:Living people {}", dice.below(5000));
            (dice.below(WIKIS), "categorize", t, false)
        } else if roll < 170 {
            let t = format!("User:Someone {}", dice.below(9999));
            (dice.below(WIKIS), "log", t, false)
        } else {
            let t = format!("Some article {}", dice.below(1_000_000));
            (dice.below(WIKIS), "edit", t, false)
        };
        // A programme's categories on a wiki no programme has are kept by none.
        let kept = programme && w < self.programmes;
        (self.frame(w, kind, &title), kept)
    }

    /// Event `n` of the stream, framed as EventStreams frames it.
    fn frame(&mut self, w: usize, kind: &str, title: &str) -> String {
        let n = self.n;
        self.n += 1;
        let (wiki, server) = wiki(w);
        let namespace = if kind == "categorize" { 14 } else { 0 };
        let url = title.replace(' ', "_");
        let title = title.replace('"', "\\\"");
        let data = format!(
            r#"{{"$schema":"/mediawiki/recentchange/1.0.0","meta":{{"uri":"https://{server}/wiki/{url}","request_id":"9f0c8e2a-{n:012}","id":"5b7e6a0c-8c2e-4f43-9d6a-{n:012}","dt":"2026-12-03T10:00:00Z","domain":"{server}","stream":"mediawiki.recentchange","topic":"eqiad.mediawiki.recentchange","partition":0,"offset":{offset}}},"id":{id},"type":"{kind}","namespace":{namespace},"title":"{title}","title_url":"https://{server}/wiki/{url}","comment":"Copyedit: tightened the prose of the lead, fixed two citations and a broken link","timestamp":1796292000,"user":"Editor {user}","bot":false,"notify_url":"https://{server}/w/index.php?diff={rev}&oldid={old}","minor":false,"patrolled":true,"length":{{"old":10234,"new":10311}},"revision":{{"old":{old},"new":{rev}}},"server_url":"https://{server}","server_name":"{server}","server_script_path":"/w","wiki":"{wiki}","parsedcomment":"Copyedit: tightened the prose of the lead, fixed two citations and a <a href=\"/wiki/Help:Link\" title=\"Help:Link\">broken link</a>"}}"#,
            offset = 5_123_456_000 + n,
            id = 1_700_000_000 + n,
            user = self.dice.below(100_000),
            rev = 1_200_000_000 + n,
            old = 1_199_999_000 + n,
        );
        format!(
            "event: message\nid: [{{\"topic\":\"eqiad.mediawiki.recentchange\",\"partition\":0,\"offset\":{}}}]\ndata: {data}\n\n",
            5_123_456_000 + n
        )
    }
}

/// Serves the stream to each connection in turn, at `rate` events per second, until stopped.
fn serve(
    listener: TcpListener,
    rate: u64,
    mut traffic: Traffic,
    own: &mpsc::Receiver<(usize, String)>,
    served: &Served,
) {
    while !served.stop.load(Ordering::Relaxed) {
        let Ok((mut socket, _)) = listener.accept() else {
            continue;
        };
        served.connections.fetch_add(1, Ordering::Relaxed);
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(k) => head.extend_from_slice(&buffer[..k]),
            }
        }
        let mut out = BufWriter::with_capacity(256 * 1024, socket);
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n:ok\n\n";
        if out
            .write_all(ok.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            continue;
        }
        let started = Instant::now();
        let mut sent = 0u64;
        while !served.stop.load(Ordering::Relaxed) {
            let mut frames: Vec<(String, bool)> = own
                .try_iter()
                .map(|(w, category)| (traffic.frame(w, "categorize", &category), true))
                .collect();
            let due = (started.elapsed().as_secs_f64() * rate as f64) as u64;
            while sent < due {
                frames.push(traffic.next());
                sent += 1;
            }
            let mut failed = false;
            for (frame, kept) in frames {
                failed = failed || out.write_all(frame.as_bytes()).is_err();
                served.events.fetch_add(1, Ordering::Relaxed);
                served
                    .for_programmes
                    .fetch_add(u64::from(kept), Ordering::Relaxed);
            }
            if failed || out.flush().is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A thread's (or with `/proc/self/stat`, the process's) user + system CPU seconds.
pub fn thread_cpu(stat: &str) -> f64 {
    let Ok(text) = std::fs::read_to_string(stat) else {
        return 0.0;
    };
    // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
    let after = text.rfind(')').map_or("", |at| &text[at + 2..]);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    let ticks = field(11).unwrap_or(0) + field(12).unwrap_or(0);
    // USER_HZ is 100 on Linux.
    ticks as f64 / 100.0
}
