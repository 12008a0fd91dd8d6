//! The local EventStreams server of the tests: `recentchange` events shaped as Wikimedia's
//! schema, served over just enough HTTP/1.1, one plan per connection.

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// One event of the replayed stream.
#[derive(Clone)]
pub struct Sent {
    /// Its SSE id, as EventStreams writes them.
    pub id: String,
    /// Its `meta.id`, which the test follows.
    pub meta_id: String,
    /// Its data line.
    pub data: String,
    /// Whether the test's filter keeps it.
    pub kept: bool,
}

impl Sent {
    fn frame(&self) -> String {
        format!("event: message\nid: {}\ndata: {}\n\n", self.id, self.data)
    }
}

fn sent(n: u64, kind: &str, wiki: &str, title: &str, kept: bool) -> Sent {
    let server = match wiki {
        "enwiki" => "en.wikipedia.org",
        _ => "de.wikipedia.org",
    };
    let meta_id = format!("5b7e6a0c-8c2e-4f43-9d6a-{n:012}");
    let namespace = if title.starts_with("Category:") {
        14
    } else {
        2
    };
    let data = format!(
        r#"{{"$schema":"/mediawiki/recentchange/1.0.0","meta":{{"uri":"https://{server}/wiki/X","request_id":"r{n}","id":"{meta_id}","dt":"2026-12-03T10:00:{n:02}Z","domain":"{server}","stream":"mediawiki.recentchange","topic":"eqiad.mediawiki.recentchange","partition":0,"offset":{offset}}},"id":{n},"type":"{kind}","namespace":{namespace},"title":"{title}","comment":"[[:Wikipedia:Co-op/Zoë]] added to category","timestamp":{ts},"user":"Zoë","bot":false,"server_url":"https://{server}","server_name":"{server}","server_script_path":"/w","wiki":"{wiki}"}}"#,
        offset = 5_123_456_000 + n,
        ts = 1_796_292_000 + n,
    );
    Sent {
        id: format!(
            r#"[{{"topic":"eqiad.mediawiki.recentchange","partition":0,"offset":{}}}]"#,
            5_123_456_000 + n
        ),
        meta_id,
        data,
        kept,
    }
}

pub const MENTORS: &str = "Category:Co-op mentors";
pub const WRITING: &str = "Category:Co-op learners seeking help with writing";
pub const CONFIG: &str = "User:MatchBot/config.json";

/// A stream mixing what the scanner wants with what it does not.
pub fn stream_of_changes() -> Vec<Sent> {
    let mut unreadable = sent(4, "edit", "enwiki", CONFIG, false);
    unreadable.data = r#"{"meta":{"id":"not a change"}}"#.into();
    vec![
        sent(0, "categorize", "enwiki", MENTORS, true),
        sent(1, "categorize", "dewiki", MENTORS, false),
        sent(2, "edit", "enwiki", CONFIG, true),
        sent(3, "categorize", "enwiki", "Category:Cats", false),
        unreadable,
        sent(5, "categorize", "enwiki", WRITING, true),
        sent(6, "categorize", "enwiki", MENTORS, true),
        sent(7, "log", "enwiki", CONFIG, false),
        sent(8, "new", "enwiki", CONFIG, true),
        sent(9, "edit", "dewiki", CONFIG, false),
        sent(10, "categorize", "enwiki", WRITING, true),
    ]
}

/// What the server does with one connection.
#[derive(Clone, Copy)]
pub enum Plan {
    /// Answer 503.
    Unavailable,
    /// Serve from after `Last-Event-ID` (from the start without one); with `cut: Some(k)`,
    /// stop halfway through event `k` and close, else send the rest and stay open.
    Serve { cut: Option<usize> },
}

/// One request the server read, and when.
pub struct Heard {
    pub head: String,
    pub at: Instant,
}

impl Heard {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

async fn read_head(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut byte).await.unwrap();
        assert!(n > 0, "the client closed before its request was whole");
        head.extend_from_slice(&byte[..n]);
    }
    String::from_utf8(head).unwrap()
}

/// Serves connections one after another, following `plans`; connections past them wait.
async fn serve(
    listener: TcpListener,
    events: Vec<Sent>,
    plans: Vec<Plan>,
    heard: mpsc::UnboundedSender<Heard>,
) {
    let mut open = Vec::new();
    for n in 0.. {
        let (mut socket, _) = listener.accept().await.unwrap();
        let request = Heard {
            head: read_head(&mut socket).await,
            at: Instant::now(),
        };
        let after = request.header("last-event-id").map(str::to_owned);
        let _ = heard.send(request);
        match plans.get(n).copied() {
            None => open.push(socket),
            Some(Plan::Unavailable) => {
                let answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy\n";
                socket.write_all(answer.as_bytes()).await.unwrap();
            }
            Some(Plan::Serve { cut }) => {
                let start = after
                    .and_then(|id| events.iter().position(|e| e.id == id))
                    .map_or(0, |i| i + 1);
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n:ok\n\n";
                socket.write_all(head.as_bytes()).await.unwrap();
                for (i, event) in events.iter().enumerate().skip(start) {
                    let frame = event.frame();
                    if cut == Some(i) {
                        // Half an event, then the connection is gone.
                        let half = frame.len() / 2;
                        socket.write_all(&frame.as_bytes()[..half]).await.unwrap();
                        break;
                    }
                    // Written in two pieces, so the client's chunks split events too.
                    let (a, b) = frame.as_bytes().split_at(frame.len() / 3);
                    socket.write_all(a).await.unwrap();
                    socket.flush().await.unwrap();
                    socket.write_all(b).await.unwrap();
                    socket.write_all(b": heartbeat\n").await.unwrap();
                }
                if cut.is_none() {
                    open.push(socket); // The stream goes on, with nothing more to say.
                }
            }
        }
    }
}

/// Starts a server, returning its stream's URL and what it hears.
pub async fn server(plans: Vec<Plan>) -> (String, mpsc::UnboundedReceiver<Heard>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/v2/stream/recentchange",
        listener.local_addr().unwrap()
    );
    let (heard, requests) = mpsc::unbounded_channel();
    tokio::spawn(serve(listener, stream_of_changes(), plans, heard));
    (url, requests)
}
