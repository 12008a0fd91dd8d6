//! One JSON object per log line: `timestamp`, `level`, `target`, the event's fields at the top
//! level (`message` among them), `trace_id` when the event happened inside a request's
//! trace, and `programme` on a deployment of several.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::trace_ids::{Programme, TraceId};

pub(crate) struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Map::new();
        event.record(&mut Fields(&mut fields));
        let mut line = Map::new();
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        line.insert("timestamp".into(), Value::String(now));
        let meta = event.metadata();
        line.insert("level".into(), Value::String(meta.level().to_string()));
        line.insert("target".into(), Value::String(meta.target().to_owned()));
        for (name, value) in fields {
            // An event field named like one of the line's own keys must not replace it.
            let name = if line.contains_key(&name) || name == "trace_id" || name == "programme" {
                format!("fields.{name}")
            } else {
                name
            };
            line.insert(name, value);
        }
        // The innermost span that knows its trace: a wiki request inside an entry's span
        // belongs to the entry's trace.
        let trace = ctx.event_scope().and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<TraceId>().cloned())
        });
        if let Some(TraceId(trace)) = trace {
            line.insert("trace_id".into(), Value::String(trace));
        }
        let programme = ctx.event_scope().and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<Programme>().cloned())
        });
        if let Some(Programme(programme)) = programme {
            line.insert("programme".into(), Value::String(programme));
        }
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// The fmt layer formats every new span's fields with this, to keep them for the lines logged
/// inside it. A JSON line holds no span fields (only the trace id, kept by `TraceIds`), so it
/// formats nothing: the default formatter cost every span of every entry a string of all its
/// attributes, never read.
pub(crate) struct NoSpanFields;

impl<'w> FormatFields<'w> for NoSpanFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        _writer: Writer<'w>,
        _fields: R,
    ) -> fmt::Result {
        Ok(())
    }
}

/// The most of one field's text a line holds. A field is most often a name, a title or an
/// error; one that is longer (a learner name of megabytes in a forged or corrupt entry, a whole
/// page in an error) is cut, and the line says how much was left out.
const MAX_FIELD: usize = 2_000;

/// `text`, cut to [`MAX_FIELD`] bytes at a character boundary, with what was left out.
fn bounded(text: &str) -> Value {
    if text.len() <= MAX_FIELD {
        return Value::from(text);
    }
    let mut end = MAX_FIELD;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Value::from(format!(
        "{}… ({} more bytes)",
        &text[..end],
        text.len() - end
    ))
}

/// Collects at most [`MAX_FIELD`] bytes of what is written to it, and counts the rest.
#[derive(Default)]
struct Capped {
    text: String,
    left_out: usize,
}

impl fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = MAX_FIELD.saturating_sub(self.text.len());
        if s.len() <= room {
            self.text.push_str(s);
        } else {
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            self.text.push_str(&s[..end]);
            self.left_out += s.len() - end;
        }
        Ok(())
    }
}

impl Capped {
    fn into_value(self) -> Value {
        if self.left_out == 0 {
            Value::from(self.text)
        } else {
            Value::from(format!("{}… ({} more bytes)", self.text, self.left_out))
        }
    }
}

struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), bounded(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.record_debug(field, &format_args!("{value}"));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // Written into a capped buffer: a huge value costs its formatting, never its memory.
        let mut capped = Capped::default();
        let _ = fmt::write(&mut capped, format_args!("{value:?}"));
        self.0.insert(field.name().into(), capped.into_value());
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_huge_field_is_cut_and_says_how_much_was_left_out() {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(JsonLines)
            .fmt_fields(NoSpanFields)
            .with_writer(move || writer.clone())
            .finish();
        let name = "é".repeat(2_500_000);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(learner = %name, debugged = ?name, short = "Ken", "decided");
        });
        let bytes = lines.0.lock().expect("the lines").clone();
        let line: Value = serde_json::from_slice(&bytes).expect("one JSON line");
        assert!(bytes.len() < 3 * MAX_FIELD + 500, "{} bytes", bytes.len());
        let learner = line["learner"].as_str().expect("the learner");
        assert!(
            learner.ends_with("… (4998000 more bytes)"),
            "{}",
            &learner[learner.len() - 40..]
        );
        assert!(
            line["debugged"]
                .as_str()
                .expect("debugged")
                .contains("more bytes)")
        );
        assert_eq!(line["short"], "Ken");
        assert_eq!(line["message"], "decided");
    }
}
