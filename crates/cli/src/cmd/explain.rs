//! `matchbot explain`: why a recorded request got the mentor it got, and what happened to its
//! match since: contact, nudges, new mentors with their explanations, the close.

use anyhow::Context;
use matchbot_config::Config;
use matchbot_db::{Db, RecordedEvent};
use matchbot_model::Explanation;

/// `matchbot explain`'s arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request id (as in the logs and the `request_id` column).
    request_id: String,
    /// Print the stored explanation as JSON instead.
    #[arg(long)]
    json: bool,
}

impl Args {
    /// The programme a request id names (`dewiki/42-…`); the default programme's ids name
    /// none.
    pub fn programme_of_id(&self) -> Option<&str> {
        self.request_id
            .split_once('/')
            .map(|(programme, _)| programme)
    }
}

/// Prints the explanation stored with the request's row.
pub async fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let (request_id, json) = (args.request_id.as_str(), args.json);
    let db = Db::connect(&config.db).for_programme(&config.programme);
    let recorded = db.recorded(request_id).await;
    let history = db.events_of(request_id).await;
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
    let history =
        history.with_context(|| format!("cannot read {}.match_events", config.db.name))?;
    if !history.is_empty() {
        println!("history:");
    }
    for recorded in &history {
        print!("{}", history_line(recorded));
    }
    Ok(())
}

/// One step of the match's life, for a person, with a reassignment's explanation indented.
fn history_line(recorded: &RecordedEvent) -> String {
    let e = &recorded.event;
    let who = match &e.from {
        Some(from) => format!("{} → {}", from.name, e.mentor.name),
        None => e.mentor.name.clone(),
    };
    let mut line = format!("  {} {} {who}", e.at, e.kind);
    if let Some(reason) = &e.reason {
        line.push_str(&format!(" ({reason})"));
    }
    line.push_str(&format!(": {}", e.outcome));
    if let Some(detail) = &recorded.detail {
        line.push_str(&format!(" — {detail}"));
    }
    if let Some(revid) = recorded.revid {
        line.push_str(&format!(", revision {revid}"));
    }
    line.push('\n');
    let explanation = recorded
        .explanation
        .as_deref()
        .and_then(|json| serde_json::from_str::<Explanation>(json).ok());
    if let Some(explanation) = explanation {
        for text in explanation.to_string().lines() {
            line.push_str(&format!("      {text}\n"));
        }
    }
    line
}
