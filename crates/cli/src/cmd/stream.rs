//! `matchbot stream export|replay`: a stream's entries out as JSON lines, and back in.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use matchbot_bus::{ExportedEntry, Stream};
use matchbot_config::Config;
use matchbot_runtime::connect;

/// What to do with a stream.
#[derive(clap::Subcommand)]
pub enum StreamCommand {
    /// Write every entry of STREAM (requests, decisions, outcomes, dead-letter) to standard
    /// output, one JSON object per line: {"stream", "id", "fields"}.
    Export {
        /// The stream's name, without the prefix.
        stream: String,
    },
    /// Add the entries of FILE (from `stream export`; `-` reads standard input) to their
    /// streams again, in order, under new ids. Nothing is written if any line is bad.
    Replay {
        /// The JSON-lines file.
        file: PathBuf,
    },
}

/// Runs `command`.
pub async fn run(config: &Config, command: &StreamCommand) -> anyhow::Result<()> {
    match command {
        StreamCommand::Export { stream } => export(config, stream).await,
        StreamCommand::Replay { file } => replay(config, file).await,
    }
}

fn stream_named(name: &str) -> anyhow::Result<Stream> {
    Stream::from_name(name).with_context(|| {
        let names: Vec<&str> = Stream::ALL.iter().map(|s| s.name()).collect();
        format!(
            "there is no stream called {name:?}; the streams are {}",
            names.join(", ")
        )
    })
}

async fn export(config: &Config, name: &str) -> anyhow::Result<()> {
    let stream = stream_named(name)?;
    let bus = connect::bus(&config.redis).await?;
    let entries = bus.export(stream).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for entry in &entries {
        serde_json::to_writer(&mut out, entry)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!("matchbot: exported {} entries of {name}", entries.len());
    Ok(())
}

async fn replay(config: &Config, file: &Path) -> anyhow::Result<()> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?
    };
    let (runs, problems) = parse_export(&text);
    if !problems.is_empty() {
        anyhow::bail!(
            "{} has {} bad line(s); nothing was replayed:\n  {}",
            file.display(),
            problems.len(),
            problems.join("\n  ")
        );
    }
    let bus = connect::bus(&config.redis).await?;
    let mut total = 0;
    for (stream, entries) in &runs {
        total += bus.replay(*stream, entries).await?.len();
    }
    eprintln!("matchbot: replayed {total} entries from {}", file.display());
    Ok(())
}

/// Consecutive exported entries of one stream: their fields, in file order.
type Run = (Stream, Vec<BTreeMap<String, String>>);

/// The entries of an export, grouped into runs of one stream in file order, or every bad line.
fn parse_export(text: &str) -> (Vec<Run>, Vec<String>) {
    let mut runs: Vec<Run> = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let entry: ExportedEntry = match serde_json::from_str(line) {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(format!("line {n}: not an exported entry: {e}"));
                continue;
            }
        };
        let Some(stream) = Stream::from_name(&entry.stream) else {
            problems.push(format!(
                "line {n}: there is no stream called {:?}",
                entry.stream
            ));
            continue;
        };
        if entry.fields.is_empty() {
            problems.push(format!(
                "line {n}: entry {} has no fields (it was trimmed before the export)",
                entry.id
            ));
            continue;
        }
        match runs.last_mut() {
            Some((last, entries)) if *last == stream => entries.push(entry.fields),
            _ => runs.push((stream, vec![entry.fields])),
        }
    }
    (runs, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_is_read_in_order_and_every_bad_line_is_named() {
        let text = r#"{"stream":"requests","id":"1-0","fields":{"payload":"{}"}}
{"stream":"requests","id":"2-0","fields":{"payload":"[]"}}

{"stream":"outcomes","id":"3-0","fields":{"payload":"1"}}
"#;
        let (runs, problems) = parse_export(text);
        assert!(problems.is_empty(), "{problems:?}");
        let shape: Vec<(Stream, usize)> = runs.iter().map(|(s, e)| (*s, e.len())).collect();
        assert_eq!(shape, [(Stream::Requests, 2), (Stream::Outcomes, 1)]);
        assert_eq!(runs[0].1[1]["payload"], "[]");

        let bad = r#"{"stream":"requests","id":"1-0","fields":{"payload":"{}"}}
not json
{"stream":"mentors","id":"2-0","fields":{"payload":"{}"}}
{"stream":"requests","id":"3-0","fields":{}}
"#;
        let (_, problems) = parse_export(bad);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("line 2: not an exported entry"));
        assert!(problems[1].contains("line 3") && problems[1].contains("\"mentors\""));
        assert!(problems[2].contains("line 4") && problems[2].contains("no fields"));
    }
}
