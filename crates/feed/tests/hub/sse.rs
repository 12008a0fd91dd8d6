//! A local EventStreams server for the hub's tests: every open connection is sent the events
//! the test sends, as they are sent, and the server counts the connections it was asked for.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

pub struct Sse {
    pub url: String,
    events: broadcast::Sender<String>,
    /// Connections being served (past their headers, hearing the events).
    open: watch::Receiver<usize>,
    /// Requests read, closed or not.
    requests: Arc<AtomicUsize>,
}

impl Sse {
    pub async fn start() -> Sse {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/v2/stream/recentchange",
            listener.local_addr().unwrap()
        );
        let (events, _) = broadcast::channel(1024);
        let (count, open) = watch::channel(0usize);
        let requests = Arc::new(AtomicUsize::new(0));
        let server = Server {
            events: events.clone(),
            count: Arc::new(count),
            requests: Arc::clone(&requests),
        };
        tokio::spawn(async move {
            loop {
                let (socket, _) = listener.accept().await.unwrap();
                tokio::spawn(server.clone().serve(socket));
            }
        });
        Sse {
            url,
            events,
            open,
            requests,
        }
    }

    /// Sends one event's data to every open connection.
    pub fn send(&self, data: &str) {
        let _ = self.events.send(data.to_owned());
    }

    /// Waits until `n` connections are open.
    pub async fn open(&mut self, n: usize) {
        let wait = self.open.wait_for(|open| *open >= n);
        tokio::time::timeout(std::time::Duration::from_secs(10), wait)
            .await
            .expect("the connection in time")
            .unwrap();
    }

    /// Connections open now.
    pub fn now_open(&self) -> usize {
        *self.open.borrow()
    }

    /// Requests the server read.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Server {
    events: broadcast::Sender<String>,
    count: Arc<watch::Sender<usize>>,
    requests: Arc<AtomicUsize>,
}

impl Server {
    async fn serve(self, mut socket: TcpStream) {
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buffer[..n]),
            }
        }
        self.requests.fetch_add(1, Ordering::SeqCst);
        // Subscribed before counted open: an event sent once it is open reaches it.
        let mut events = self.events.subscribe();
        let ok = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n:ok\n\n";
        if socket.write_all(ok.as_bytes()).await.is_err() {
            return;
        }
        self.count.send_modify(|open| *open += 1);
        let mut n = 0u64;
        let mut closed = [0u8; 64];
        loop {
            let data = tokio::select! {
                data = events.recv() => data,
                // The client hung up (EOF or reset): the connection is no longer open.
                _ = socket.read(&mut closed) => break,
            };
            let Ok(data) = data else { break };
            n += 1;
            let frame = format!("event: message\nid: [{{\"offset\":{n}}}]\ndata: {data}\n\n");
            if socket.write_all(frame.as_bytes()).await.is_err() {
                break;
            }
        }
        self.count.send_modify(|open| *open -= 1);
    }
}
