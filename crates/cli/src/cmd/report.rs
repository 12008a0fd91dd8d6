//! `matchbot report`: figures for a period from the matches and match_events tables, printed
//! or published.

use anyhow::Context;
use matchbot_config::Config;
use matchbot_db::Db;
use matchbot_model::Timestamp;
use matchbot_report::{Lifecycle, Report};
use matchbot_runtime::connect;
use matchbot_wiki::{Replaced, exclusion};

/// `matchbot report`'s flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The period's first day (YYYY-MM-DD, UTC) or moment (2026-11-01T12:00:00Z); by
    /// default `--days` before `--to`.
    #[arg(long)]
    from: Option<String>,
    /// The period's end, not included; by default now.
    #[arg(long)]
    to: Option<String>,
    /// The period's length in days (1 to 36500) when `--from` is not given.
    // Bounded so that `--to` minus the period stays a date: an unbounded count ran the
    // timestamp out of range and panicked.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=MAX_DAYS))]
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
}

/// The most open matches the queue's figures look at.
const OPEN_MATCHES_READ: usize = 100_000;

/// The longest period `--days` may ask for: a century.
const MAX_DAYS: i64 = 36_500;

/// Prints the period's figures, and publishes them when asked.
pub async fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let (from, to) = period(args.from.as_deref(), args.to.as_deref(), args.days)?;
    let format = match (args.json, args.wikitext) {
        (true, _) => Format::Json,
        (_, true) => Format::Wikitext,
        _ => Format::Table,
    };
    report(config, from, to, format, args.publish).await
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
    config: &Config,
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
    let db = Db::connect(&config.db).for_programme(&config.programme);
    let rows = db.handled_between(from, to).await;
    let histories = db.histories_between(from, to).await;
    let open = db.open_matches(OPEN_MATCHES_READ).await;
    db.close().await?;
    let rows = rows.with_context(|| format!("cannot read {}.matches", config.db.name))?;
    let events = format!("cannot read {}.match_events", config.db.name);
    let histories = histories.with_context(|| events.clone())?;
    let open: Vec<Vec<_>> = open
        .with_context(|| events)?
        .into_iter()
        .map(|m| m.events)
        .collect();
    let mut report = Report::build(&rows, from, to, |category| {
        config.skill_requested_with(category).to_owned()
    });
    report.lifecycle = Lifecycle::build(&histories, &open, from, to);
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
async fn publish_report(config: &Config, page: &str, wikitext: &str) -> anyhow::Result<()> {
    let n = &config.notifier;
    let wiki = connect::wiki(&config.wiki)
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
    let allowed =
        match exclusion::permit(page, &current.text, config.wiki.bot_name(), REPORT_MESSAGE) {
            Ok(allowed) => allowed,
            Err(excluded) => anyhow::bail!("the report was not saved to {page}: {excluded}"),
        };
    let summary = n.summary("MatchBot report");
    let saved = wiki
        .replace(page, wikitext, &summary, current.revid, &allowed)
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
