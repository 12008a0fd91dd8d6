//! An incremental parser of server-sent events (the W3C EventSource format), fed the body's
//! bytes as they come, split anywhere.
//!
//! It follows the HTML standard's "event stream interpretation": lines end with `\r\n`, `\n` or
//! `\r`; a blank line dispatches the event; `:` starts a comment; `field: value` (one space after
//! the colon is dropped, none is fine); `data` lines are joined with `\n`; the `id` persists to
//! later events until an `id` line changes it (an empty one clears it). `event` and `retry` are
//! read and ignored: EventStreams only sends `message`, and the client's backoff is its own, so a
//! server cannot make it reconnect in a tight loop.
//!
//! Bounded: a line longer than [`MAX_EVENT_BYTES`] (and its field name) is never held whole, and an event whose
//! data grows past it is dropped: its data is thrown away as soon as it is over, and the rest of
//! it up to the blank line is skipped. So memory stays under about twice the limit for any input.

use crate::change::MAX_EVENT_BYTES;

/// The longest line held: an event's worth of data after its field name (`data: `).
const MAX_LINE_BYTES: usize = MAX_EVENT_BYTES + 16;

/// One event as dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The last event id the stream set, at this event (it persists from earlier events);
    /// `None` when none was set or an empty `id` cleared it.
    pub id: Option<String>,
    /// The `data` lines, joined by `\n`.
    pub data: String,
}

/// The state of one stream being read. Start a new one on each connection, with
/// [`Parser::resuming`] from the last id, so a half-read event of a lost connection is dropped.
#[derive(Debug, Default)]
pub struct Parser {
    /// The current line's bytes (decoded once whole, so a character split by chunks is fine).
    line: Vec<u8>,
    /// The current line went over the limit: its bytes are being skipped to its end.
    line_over: bool,
    /// The previous chunk ended with `\r`: a `\n` starting the next one ends no second line.
    after_cr: bool,
    /// No line has ended yet (a byte order mark may start the stream).
    started: bool,
    /// The event's data so far, each line followed by `\n`.
    data: String,
    /// The event went over the limit: it is dropped at its blank line.
    event_over: bool,
    /// The last event id buffer.
    id: Option<String>,
    /// The id as of the last blank line: the id of the last event wholly read.
    committed: Option<String>,
}

impl Parser {
    /// A parser for a stream that starts with no last event id.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// A parser for a stream resumed after `id`, which its events carry until the stream sets
    /// another.
    pub fn resuming(id: Option<String>) -> Parser {
        Parser {
            id: id.clone(),
            committed: id,
            ..Parser::default()
        }
    }

    /// The last event id as of the last complete event, dispatched or not (an event with only an
    /// `id`, or dropped as too large, still moves it): what to resume from.
    pub fn last_event_id(&self) -> Option<&str> {
        self.committed.as_deref()
    }

    /// How many bytes of the stream it holds (a line and an event not yet whole): never much
    /// more than twice [`MAX_EVENT_BYTES`], whatever it was fed.
    pub fn buffered(&self) -> usize {
        self.line.len() + self.data.len()
    }

    /// Reads the next bytes of the stream and returns the events they complete, in order.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
        }
        while let Some(end) = chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.push(&chunk[..end]);
            let cr = chunk[end] == b'\r';
            chunk = &chunk[end + 1..];
            if cr {
                match chunk.first() {
                    Some(b'\n') => chunk = &chunk[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            self.end_line(&mut events);
        }
        self.push(chunk);
        events
    }

    /// Adds bytes to the current line, or skips them when it is over the limit.
    fn push(&mut self, bytes: &[u8]) {
        if self.line_over {
            return;
        }
        if self.line.len() + bytes.len() > MAX_LINE_BYTES {
            // Too long to be part of any event read: drop what is held and skip to its end.
            self.line = Vec::new();
            self.line_over = true;
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    /// Interprets the line just ended.
    fn end_line(&mut self, events: &mut Vec<Event>) {
        let line = std::mem::take(&mut self.line);
        let first = !std::mem::replace(&mut self.started, true);
        if std::mem::take(&mut self.line_over) {
            // Whatever field it was, the event it belongs to cannot be read whole.
            self.drop_event();
            return;
        }
        let mut line = line.as_slice();
        if first {
            line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if line[0] == b':' {
            return; // A comment: EventStreams' heartbeat.
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" if !self.event_over => {
                if self.data.len() + value.len() + 1 > MAX_EVENT_BYTES {
                    self.drop_event();
                } else {
                    self.data.push_str(value);
                    self.data.push('\n');
                }
            }
            // The standard ignores an id with a NUL in it.
            "id" if !value.contains('\0') => {
                self.id = (!value.is_empty()).then(|| value.to_owned());
            }
            _ => {} // `event`, `retry`, unknown fields, and data of a dropped event.
        }
    }

    /// Throws away the event's data; the rest of it is skipped up to its blank line.
    fn drop_event(&mut self) {
        self.data = String::new();
        self.event_over = true;
    }

    /// Ends an event at a blank line.
    fn dispatch(&mut self, events: &mut Vec<Event>) {
        self.committed = self.id.clone();
        let over = std::mem::take(&mut self.event_over);
        let mut data = std::mem::take(&mut self.data);
        if over {
            tracing::warn!(
                id = self.id.as_deref(),
                limit = MAX_EVENT_BYTES,
                "an event larger than the limit is dropped"
            );
            return;
        }
        if data.is_empty() {
            return; // No data line: nothing to dispatch (an id-only event still moved the id).
        }
        data.pop();
        events.push(Event {
            id: self.id.clone(),
            data,
        });
    }
}
