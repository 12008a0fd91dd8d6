//! `matchbot dlq`: the entries no stage could handle — list them, put them back, or drop them.

use std::fmt::Write as _;

use anyhow::Context;
use matchbot_bus::{Bus, DeadLetter};
use matchbot_config::Config;
use matchbot_runtime::connect;

/// What to do with the dead-letter stream.
#[derive(clap::Subcommand)]
pub enum DlqCommand {
    /// Every entry, oldest first: its id, age, the stage that gave it up, the stream and entry
    /// it came from, how many times it was handed out, why, and its payload.
    List {
        /// Print the entries as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Put entries back on the stream they came from (after fixing what stopped them), as new
    /// entries with their payload and trace. Either all of them go back, or none.
    Retry {
        /// The dead-letter ids, as `list` shows them.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<String>,
        /// Every entry.
        #[arg(long)]
        all: bool,
    },
    /// Remove entries for good.
    Drop {
        /// The dead-letter ids, as `list` shows them.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<String>,
        /// Every entry.
        #[arg(long)]
        all: bool,
    },
}

/// Runs `command`.
pub async fn run(config: &Config, command: DlqCommand) -> anyhow::Result<()> {
    let bus = connect::bus(&config.redis)
        .await
        .context("cannot reach Redis")?;
    match command {
        DlqCommand::List { json } => {
            let letters = bus.dead_letters().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&letters)?);
            } else if letters.is_empty() {
                println!("the dead-letter stream is empty");
            } else {
                print!("{}", table(&letters));
            }
        }
        DlqCommand::Retry { ids, all } => {
            let ids = chosen(&bus, ids, all).await?;
            let new_ids = bus.retry_dead_letters(&ids).await?;
            for (old, new) in ids.iter().zip(&new_ids) {
                println!("{old}: back on its stream as {new}");
            }
            println!("{} entries retried", new_ids.len());
        }
        DlqCommand::Drop { ids, all } => {
            let ids = chosen(&bus, ids, all).await?;
            let dropped = bus.drop_dead_letters(&ids).await?;
            if dropped < ids.len() as u64 {
                println!(
                    "{dropped} entries dropped; {} of the ids were not in the dead-letter stream",
                    ids.len() as u64 - dropped
                );
            } else {
                println!("{dropped} entries dropped");
            }
        }
    }
    Ok(())
}

async fn chosen(bus: &Bus, ids: Vec<String>, all: bool) -> anyhow::Result<Vec<String>> {
    if !all {
        return Ok(ids);
    }
    Ok(bus
        .dead_letters()
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect())
}

fn table(letters: &[DeadLetter]) -> String {
    let mut out = String::new();
    for l in letters {
        let _ = writeln!(
            out,
            "{}  {} s ago  stage {}  from {} {}  handed out {} times",
            l.id, l.age_seconds, l.stage, l.stream, l.entry, l.deliveries
        );
        let _ = writeln!(out, "    reason: {}", l.reason);
        if !l.verified && !l.payload.is_empty() {
            let _ = writeln!(
                out,
                "    not MatchBot's own (unsigned or forged): it cannot be retried, only dropped"
            );
        }
        let payload: String = l.payload.chars().take(200).collect();
        let more = if l.payload.chars().count() > 200 {
            "…"
        } else {
            ""
        };
        let _ = writeln!(out, "    payload: {payload}{more}");
    }
    out
}
