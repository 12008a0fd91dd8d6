//! `matchbot`: the admin CLI.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use matchbot_bus::{Bus, ExportedEntry, Stream};
use matchbot_config::{Explanation, Timestamp};
use matchbot_db::Db;
use matchbot_report::Report;
use matchbot_wiki::{Client, Replaced, exclusion};

mod dlq;
mod status;

/// MatchBot's admin commands.
#[derive(Parser)]
#[command(name = "matchbot", version)]
struct Args {
    /// The configuration: a config.json file, or a directory holding one.
    #[arg(
        long,
        global = true,
        env = "MATCHBOT_CONFIG",
        default_value = "config.json"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the configuration and say what it sets up; exit status 2 if it is refused.
    CheckConfig,
    /// Create the database if needed and apply the migrations it lacks.
    Migrate,
    /// Say why a request got the mentor it got: the levels looked at, who was passed over and
    /// why, the weights and the draw, as recorded with its row.
    Explain {
        /// The request id (as in the logs and the `request_id` column).
        request_id: String,
        /// Print the stored explanation as JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Figures for a period from the matches table: matches per skill, the no-match and
    /// fallback rates, time from request to greeting, load per mentor.
    Report {
        /// The period's first day (YYYY-MM-DD, UTC) or moment (2026-11-01T12:00:00Z); by
        /// default `--days` before `--to`.
        #[arg(long)]
        from: Option<String>,
        /// The period's end, not included; by default now.
        #[arg(long)]
        to: Option<String>,
        /// The period's length when `--from` is not given.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Print the figures as JSON.
        #[arg(long, conflicts_with = "wikitext")]
        json: bool,
        /// Print the report as wikitext, as `--publish` would save it.
        #[arg(long)]
        wikitext: bool,
        /// Also save the wikitext to the page `report.page` names, as a bot edit through the
        /// kill switch and `{{bots}}`.
        #[arg(long)]
        publish: bool,
    },
    /// The pipeline at a glance: each stream's length; each stage's pending entries, lag,
    /// oldest pending entry and consumers; the dead letters; the scanner's last poll; the kill
    /// switch. Exit status 1 when something is unhealthy, with every problem listed.
    Status {
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        limits: status::Limits,
    },
    /// The dead-letter stream: entries no stage could handle.
    #[command(subcommand)]
    Dlq(dlq::DlqCommand),
    /// Exit 0 when WORKER's heartbeat is fresh, 1 when it is stale or missing: the health
    /// check of Toolforge's `health-check-script` and docker compose. Reads no configuration.
    Health {
        /// scanner, matcher, notifier or recorder.
        #[arg(value_parser = ["scanner", "matcher", "notifier", "recorder"])]
        worker: String,
        /// The longest a working worker goes between beats, in seconds.
        #[arg(long, default_value_t = matchbot_runtime::heartbeat::STALE_AFTER.as_secs())]
        max_age: u64,
        /// The heartbeat file, if not where the worker keeps it by default
        /// (`MATCHBOT_HEARTBEAT`, else the temporary directory).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Copy a stream's entries out as JSON lines, or put exported entries back.
    #[command(subcommand)]
    Stream(StreamCommand),
}

#[derive(Subcommand)]
enum StreamCommand {
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

fn main() -> ExitCode {
    let args = Args::parse();
    if let Command::Health {
        worker,
        max_age,
        file,
    } = &args.command
    {
        return health(worker, *max_age, file.as_deref());
    }
    let config = match matchbot_runtime::load_config("matchbot", &args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let result = match args.command {
        Command::CheckConfig => {
            check_config(&config);
            Ok(())
        }
        Command::Migrate => block_on(migrate(&config)),
        Command::Explain { request_id, json } => block_on(explain(&config, &request_id, json)),
        Command::Report {
            from,
            to,
            days,
            json,
            wikitext,
            publish,
        } => period(from.as_deref(), to.as_deref(), days).and_then(|(from, to)| {
            let format = match (json, wikitext) {
                (true, _) => Format::Json,
                (_, true) => Format::Wikitext,
                _ => Format::Table,
            };
            block_on(report(&config, from, to, format, publish))
        }),
        Command::Status { json, limits } => {
            return match block_on_value(status::status(&config, &limits)) {
                Ok(status) => {
                    if json {
                        match serde_json::to_string_pretty(&status) {
                            Ok(text) => println!("{text}"),
                            Err(e) => eprintln!("matchbot: {e}"),
                        }
                    } else {
                        print!("{}", status.table());
                    }
                    if status.healthy {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(e) => {
                    eprintln!("matchbot: cannot tell the pipeline's status: {e:#}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Dlq(command) => block_on(dlq::dlq(&config, command)),
        Command::Health { .. } => Ok(()),
        Command::Stream(StreamCommand::Export { stream }) => block_on(export(&config, &stream)),
        Command::Stream(StreamCommand::Replay { file }) => block_on(replay(&config, &file)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("matchbot: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn block_on(work: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    block_on_value(work)
}

fn block_on_value<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(work)
}

/// `matchbot health`: is the worker's heartbeat fresh?
fn health(worker: &str, max_age: u64, file: Option<&Path>) -> ExitCode {
    let binary = format!("matchbot-{}", worker.trim_start_matches("matchbot-"));
    let path = file.map_or_else(
        || matchbot_runtime::heartbeat::path_for(&binary),
        Path::to_path_buf,
    );
    match matchbot_runtime::heartbeat::age(&path) {
        Ok(age) if age.as_secs() <= max_age => {
            println!("{binary}: alive, last beat {} s ago", age.as_secs());
            ExitCode::SUCCESS
        }
        Ok(age) => {
            println!(
                "{binary}: stuck, last beat {} s ago (more than {max_age} s; {})",
                age.as_secs(),
                path.display()
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            println!("{binary}: no heartbeat at {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn check_config(config: &matchbot_config::Config) {
    println!("{}: OK", config.source.display());
    println!("  wiki API: {}", config.wiki.api_url);
    println!("  bot account: {}", config.wiki.username);
    println!("  profiles: subpages of {}", config.pages.main);
    println!("  skills:");
    for s in &config.skills {
        println!(
            "    {}: requested with {}, offered with {}",
            s.name, s.request_category, s.mentor_category
        );
    }
    println!("  general mentors: {}", config.general_category);
    println!("  opted-out mentors: {}", config.optout_category);
    if let Some(away) = &config.away_category {
        println!("  away mentors: {away} (sort key: the day they are back)");
    }
    let m = &config.matcher;
    println!(
        "  matching: {}, seed {}, loads over {} days, cap {}, active within {}",
        m.selection.name(),
        m.seed,
        m.load_days,
        m.max_active.map_or("none".to_owned(), |c| c.to_string()),
        m.active_within_days
            .map_or("any time".to_owned(), |d| format!("{d} days"))
    );
    for (name, s) in &m.mentors {
        println!(
            "    {name}: weight {}, cap {}",
            s.weight,
            m.cap(name).map_or("none".to_owned(), |c| c.to_string())
        );
    }
    println!(
        "  database: {} on {}:{}",
        config.db.name, config.db.host, config.db.port
    );
}

async fn migrate(config: &matchbot_config::Config) -> anyhow::Result<()> {
    Db::create_database(&config.db)
        .await
        .with_context(|| format!("cannot create database {}", config.db.name))?;
    let db = Db::connect(&config.db);
    let applied = db.migrate().await.context("migration failed")?;
    let version = db.schema_version().await?;
    db.close().await?;
    if applied.is_empty() {
        println!("{}: schema already at version {version}", config.db.name);
    } else {
        for m in &applied {
            println!(
                "{}: applied {} (version {})",
                config.db.name, m.name, m.version
            );
        }
    }
    Ok(())
}

async fn explain(
    config: &matchbot_config::Config,
    request_id: &str,
    json: bool,
) -> anyhow::Result<()> {
    let db = Db::connect(&config.db);
    let recorded = db.recorded(request_id).await;
    db.close().await?;
    let Some(row) = recorded.with_context(|| format!("cannot read {}", config.db.name))? else {
        anyhow::bail!(
            "no row for request {request_id} in {}.matches: the id is wrong, or the request is \
             still on its way (see the decisions and outcomes streams)",
            config.db.name
        );
    };
    let Some(stored) = row.explanation else {
        anyhow::bail!(
            "request {request_id} was recorded without an explanation (by the original MatchBot \
             or a MatchBot from before decisions were explained)"
        );
    };
    if json {
        println!("{stored}");
        return Ok(());
    }
    let explanation: Explanation = serde_json::from_str(&stored)
        .with_context(|| format!("the stored explanation of {request_id} is not readable"))?;
    println!(
        "request {request_id}: {} on profile {}",
        row.category, row.lprofileid
    );
    println!("{explanation}");
    match row.outcome_reason.filter(|_| row.outcome != "dry-run") {
        Some(reason) => println!("outcome: {} ({reason})", row.outcome),
        None => println!("outcome: {}", row.outcome),
    }
    Ok(())
}

/// How `matchbot report` prints.
enum Format {
    Table,
    Json,
    Wikitext,
}

/// The report's period from the command line: `from` and `to` as days or moments (UTC).
fn period(
    from: Option<&str>,
    to: Option<&str>,
    days: u32,
) -> anyhow::Result<(Timestamp, Timestamp)> {
    let moment = |flag: &str, text: &str| {
        let full = if text.len() == 10 {
            format!("{text}T00:00:00Z")
        } else {
            text.to_owned()
        };
        Timestamp::parse(&full).map_err(|_| {
            anyhow::anyhow!(
                "{flag} {text:?} is neither a day (2026-11-01) nor a moment (2026-11-01T12:00:00Z)"
            )
        })
    };
    let to = match to {
        Some(text) => moment("--to", text)?,
        None => Timestamp::now(),
    };
    let from = match from {
        Some(text) => moment("--from", text)?,
        None => to.plus_seconds(-i64::from(days) * 86_400),
    };
    if from >= to {
        anyhow::bail!("the period is empty: --from {from} is not before --to {to}");
    }
    Ok((from, to))
}

async fn report(
    config: &matchbot_config::Config,
    from: Timestamp,
    to: Timestamp,
    format: Format,
    publish: bool,
) -> anyhow::Result<()> {
    // Checked before anything is read: a publish that cannot happen should not look like one.
    let page = match (&config.report_page, publish) {
        (None, true) => anyhow::bail!(
            "--publish needs report.page in {}: the page the report is saved to",
            config.source.display()
        ),
        (page, _) => page.as_deref().filter(|_| publish),
    };
    let db = Db::connect(&config.db);
    let rows = db.handled_between(from, to).await;
    db.close().await?;
    let rows = rows.with_context(|| format!("cannot read {}.matches", config.db.name))?;
    let report = Report::build(&rows, from, to, |category| {
        config.skill_requested_with(category).to_owned()
    });
    let wikitext = report.wikitext(Timestamp::now());
    match format {
        Format::Table => print!("{}", report.table()),
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Wikitext => print!("{wikitext}"),
    }
    if let Some(page) = page {
        publish_report(config, page, &wikitext).await?;
    }
    Ok(())
}

/// Saves the report's wikitext as the whole of `page`, the bot's own: only when the run page
/// says `true` and the page carries no `{{bots}}` that keeps MatchBot out; a change someone
/// saved between reading and writing is an edit conflict, not overwritten.
async fn publish_report(
    config: &matchbot_config::Config,
    page: &str,
    wikitext: &str,
) -> anyhow::Result<()> {
    let n = &config.notifier;
    let wiki = Client::bot_builder(&config.wiki)
        .run_page(&n.run_page, n.run_page_check)
        .build()
        .await
        .with_context(|| format!("cannot log in to {}", config.wiki.api_url))?;
    wiki.may_edit()
        .await
        .with_context(|| format!("the report was not saved to {page}"))?;
    let current = wiki
        .talk_page(page)
        .await
        .with_context(|| format!("cannot read {page}"))?;
    if let Err(excluded) = exclusion::check(&current.text, config.wiki.bot_name(), REPORT_MESSAGE) {
        anyhow::bail!("the report was not saved to {page}: {excluded}");
    }
    let saved = wiki
        .replace(page, wikitext, &n.summary("MatchBot report"), current.revid)
        .await
        .with_context(|| format!("the report was not saved to {page}"))?;
    match saved {
        Replaced::Saved(s) => eprintln!("matchbot: report saved to {page} (revision {})", s.revid),
        Replaced::Unchanged => eprintln!("matchbot: {page} already holds this report"),
    }
    Ok(())
}

/// The message type `{{bots|optout=…}}` names to keep MatchBot's report off a page.
const REPORT_MESSAGE: &str = "matchbot-report";

fn stream_named(name: &str) -> anyhow::Result<Stream> {
    Stream::from_name(name).with_context(|| {
        let names: Vec<&str> = Stream::ALL.iter().map(|s| s.name()).collect();
        format!(
            "there is no stream called {name:?}; the streams are {}",
            names.join(", ")
        )
    })
}

async fn export(config: &matchbot_config::Config, name: &str) -> anyhow::Result<()> {
    let stream = stream_named(name)?;
    let bus = Bus::from_config(&config.redis).await?;
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

async fn replay(config: &matchbot_config::Config, file: &Path) -> anyhow::Result<()> {
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
    let bus = Bus::from_config(&config.redis).await?;
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
