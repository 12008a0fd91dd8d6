//! The server-sent events parser: line ends, comments, fields, ids, bounds, and chunks split
//! anywhere giving the same events.

use matchbot_feed::MAX_EVENT_BYTES;
use matchbot_feed::eventstreams::{Event, Parser};

fn event(id: Option<&str>, data: &str) -> Event {
    Event {
        id: id.map(str::to_owned),
        data: data.to_owned(),
    }
}

/// All the events of `stream` fed in one chunk.
fn whole(stream: &[u8]) -> Vec<Event> {
    Parser::new().feed(stream)
}

/// All the events of `stream` fed in the given pieces.
fn pieces(stream: &[&[u8]]) -> Vec<Event> {
    let mut parser = Parser::new();
    stream.iter().flat_map(|p| parser.feed(p)).collect()
}

const ID_1: &str =
    r#"[{"topic":"eqiad.mediawiki.recentchange","partition":0,"offset":5123456789}]"#;
const ID_2: &str =
    r#"[{"topic":"eqiad.mediawiki.recentchange","partition":0,"timestamp":1796292002000}]"#;
const DATA_1: &str = r#"{"$schema":"/mediawiki/recentchange/1.0.0","meta":{"id":"5b7e6a0c-8c2e-4f43-9d6a-2f0d8d1c7a11","dt":"2026-12-03T10:00:01Z","domain":"en.wikipedia.org","stream":"mediawiki.recentchange"},"type":"categorize","namespace":14,"title":"Category:Co-op mentors","comment":"[[:Wikipedia:Co-op/Zoë]] added to category … ✓","timestamp":1796292001,"user":"Zoë","wiki":"enwiki","server_name":"en.wikipedia.org"}"#;
const DATA_2: &str = r#"{"meta":{"id":"c0ffee00-0000-4000-8000-000000000002","dt":"2026-12-03T10:00:02Z"},"type":"edit","namespace":2,"title":"User:MatchBot/config.json","comment":"🙂","timestamp":1796292002,"wiki":"enwiki","server_name":"en.wikipedia.org"}"#;

/// A stream as EventStreams writes it: a heartbeat, `event`, `id`, `data`, blank lines; then an
/// event of two data lines with no id of its own.
fn real_stream(line_end: &str) -> Vec<u8> {
    let e = line_end;
    format!(
        ":ok{e}{e}event: message{e}id: {ID_1}{e}data: {DATA_1}{e}{e}:{e}event: message{e}id: {ID_2}{e}data: {DATA_2}{e}{e}data: {{\"multi\":{e}data: \"line ✓\"}}{e}{e}"
    )
    .into_bytes()
}

fn real_events() -> Vec<Event> {
    vec![
        event(Some(ID_1), DATA_1),
        event(Some(ID_2), DATA_2),
        // Several data lines, joined: a split between their `\r` and `\n` must not end it.
        event(Some(ID_2), "{\"multi\":\n\"line ✓\"}"),
    ]
}

#[test]
fn a_real_shaped_stream_reads_with_every_line_end() {
    for line_end in ["\n", "\r\n", "\r"] {
        assert_eq!(whole(&real_stream(line_end)), real_events(), "{line_end:?}");
    }
}

#[test]
fn split_at_every_byte_offset_the_events_are_the_same() {
    // `\r\n` puts a split between `\r` and `\n`; the data has multi-byte characters to split.
    for line_end in ["\n", "\r\n", "\r"] {
        let stream = real_stream(line_end);
        for at in 0..=stream.len() {
            let (a, b) = stream.split_at(at);
            assert_eq!(pieces(&[a, b]), real_events(), "{line_end:?} split at {at}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(pieces(&bytes), real_events(), "{line_end:?} byte by byte");
    }
}

#[test]
fn a_cr_ending_one_chunk_and_lf_starting_the_next_end_one_line() {
    // Were the `\n` a second line end, the blank line would dispatch "a" alone.
    assert_eq!(
        pieces(&[b"data: a\r", b"\ndata: b\r\n", b"\r\n"]),
        [event(None, "a\nb")]
    );
    // A lone `\r` then a chunk not starting with `\n` is a line end too.
    assert_eq!(
        pieces(&[b"data: a\r", b"data: b\r", b"\r"]),
        [event(None, "a\nb")]
    );
    // An empty chunk between them changes nothing.
    assert_eq!(
        pieces(&[b"data: a\r", b"", b"\n", b"\n"]),
        [event(None, "a")]
    );
}

#[test]
fn comments_are_skipped_even_between_data_lines() {
    assert_eq!(
        whole(b": heartbeat\ndata: a\n:\n: more\ndata: b\n\n:only a comment\n\n"),
        [event(None, "a\nb")]
    );
}

#[test]
fn data_lines_join_with_newlines_and_the_colon_space_is_optional() {
    assert_eq!(
        whole(b"data:a\ndata:  b\ndata\ndata: \ndata:c:d\n\n"),
        [event(None, "a\n b\n\n\nc:d")]
    );
    // One empty data line is an event with empty data; an event with no data line is none.
    assert_eq!(
        whole(b"data\n\nevent: message\n\nretry: 5000\n\n"),
        [event(None, "")]
    );
}

#[test]
fn event_retry_and_unknown_fields_are_ignored() {
    assert_eq!(
        whole(b"event: message\nretry: 10\nfoo: bar\nDATA: no\ndata: x\n\n"),
        [event(None, "x")]
    );
}

#[test]
fn the_id_persists_until_changed_and_an_empty_one_clears_it() {
    let mut parser = Parser::new();
    let events = parser.feed(b"id: 1\ndata: a\n\ndata: b\n\nid:2\ndata: c\n\nid\ndata: d\n\n");
    assert_eq!(
        events,
        [
            event(Some("1"), "a"),
            event(Some("1"), "b"),
            event(Some("2"), "c"),
            event(None, "d"),
        ]
    );
    // An id with a NUL is ignored; an event with only an id moves the last id unsent.
    assert_eq!(parser.feed(b"id: 3\n\nid: x\0y\n\n"), []);
    assert_eq!(parser.last_event_id(), Some("3"));
    // The last id counts only once its event is whole.
    assert_eq!(parser.feed(b"id: 4\ndata: e\n"), []);
    assert_eq!(parser.last_event_id(), Some("3"));
    assert_eq!(parser.feed(b"\n"), [event(Some("4"), "e")]);
    assert_eq!(parser.last_event_id(), Some("4"));
}

#[test]
fn a_resumed_stream_carries_the_id_it_resumed_from() {
    let mut parser = Parser::resuming(Some("7".into()));
    assert_eq!(parser.last_event_id(), Some("7"));
    assert_eq!(parser.feed(b"data: a\n\n"), [event(Some("7"), "a")]);
}

#[test]
fn a_byte_order_mark_starting_the_stream_is_skipped() {
    let stream = b"\xef\xbb\xbfdata: a\n\n";
    for at in 0..=stream.len() {
        let (a, b) = stream.split_at(at);
        assert_eq!(pieces(&[a, b]), [event(None, "a")], "split at {at}");
    }
}

#[test]
fn an_unfinished_event_is_not_dispatched() {
    assert_eq!(whole(b"id: 1\ndata: a\n"), []);
    assert_eq!(whole(b"data: a"), []);
}

#[test]
fn a_line_over_the_limit_drops_its_event_and_the_next_one_reads() {
    let long = "x".repeat(MAX_EVENT_BYTES + 100);
    let stream = format!("id: 1\ndata: {long}\ndata: more\n\nid: 2\ndata: next\n\n");
    // Fed in pieces smaller than the line too, so it is never held whole.
    for size in [stream.len(), 4096, 7] {
        let bytes: Vec<&[u8]> = stream.as_bytes().chunks(size).collect();
        let mut parser = Parser::new();
        let events: Vec<Event> = bytes.iter().flat_map(|p| parser.feed(p)).collect();
        assert_eq!(events, [event(Some("2"), "next")], "pieces of {size}");
    }
    // An over-long line of any field drops its event: an id is not taken from it.
    let stream = format!("id: 1\n\nid: {long}\ndata: a\n\ndata: b\n\n");
    let mut parser = Parser::new();
    let events = parser.feed(stream.as_bytes());
    assert_eq!(events.len(), 1);
    assert!(
        events[0] == event(Some("1"), "b"),
        "id of {} bytes",
        events[0].id.as_ref().map_or(0, String::len)
    );
    assert!(parser.buffered() == 0);
    // A long line ending with `\r` split from its `\n` still ends once.
    let stream = format!("data: {long}\r");
    assert_eq!(
        pieces(&[stream.as_bytes(), b"\ndata: a\n\n", b"data: b\n\n"]),
        [event(None, "b")]
    );
}

#[test]
fn data_growing_over_the_limit_drops_the_event() {
    let line = "y".repeat(MAX_EVENT_BYTES / 4);
    let mut stream = String::from("id: 1\n");
    for _ in 0..5 {
        stream.push_str(&format!("data: {line}\n"));
    }
    stream.push_str("\ndata: after\n\n");
    let mut parser = Parser::new();
    assert_eq!(parser.feed(stream.as_bytes()), [event(Some("1"), "after")]);
    // The dropped event's id still counts as read, so a resume does not ask for it again.
    assert_eq!(parser.last_event_id(), Some("1"));
    // Data just under the limit reads.
    // (Compared, not printed: a failure would print 64 KiB.)
    let fits = "z".repeat(MAX_EVENT_BYTES - 1);
    let events = Parser::new().feed(format!("data: {fits}\n\n").as_bytes());
    assert_eq!(events.len(), 1);
    assert!(events[0].data == fits && events[0].id.is_none());
}

#[test]
fn an_endless_line_is_skipped_without_end() {
    // Megabytes with no line end: nothing is dispatched, and the parser reads on after it.
    let mut parser = Parser::new();
    let block = vec![b'a'; 1 << 16];
    for _ in 0..64 {
        assert_eq!(parser.feed(&block), []);
        assert!(
            parser.buffered() <= MAX_EVENT_BYTES + 16,
            "{}",
            parser.buffered()
        );
    }
    assert_eq!(parser.feed(b"\n\ndata: ok\n\n"), [event(None, "ok")]);
}
