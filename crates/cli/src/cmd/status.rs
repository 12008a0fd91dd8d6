//! `matchbot status`: the pipeline at a glance, and whether it is healthy.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use matchbot_bus::{GroupStatus, LeaseStatus, SCANNER_LEASE, Stream, StreamStatus};
use matchbot_config::Config;
use matchbot_model::Timestamp;
use matchbot_runtime::connect;
use matchbot_wiki::Client;
use serde::Serialize;

mod programmes;
mod settings;

pub use programmes::run_each;

/// `matchbot status`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Print the status as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: Limits,
}

/// Prints the status; exit status 1 when something is unhealthy (or the status cannot be read).
pub async fn run(config: &Config, args: &Args) -> ExitCode {
    match status(config, &args.limits).await {
        Ok(status) => {
            if args.json {
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
    }
}

/// When `matchbot status` calls the pipeline unhealthy.
#[derive(Debug, Clone, clap::Args)]
pub struct Limits {
    /// Unhealthy when a stage has more entries than this waiting to be read.
    #[arg(long, default_value_t = 100)]
    pub max_lag: u64,
    /// Unhealthy when an entry has been pending (read, not finished) longer than this many
    /// seconds.
    #[arg(long, default_value_t = 600)]
    pub max_pending_age: u64,
    /// A consumer that has not read for this many seconds is not counted as alive (a working
    /// stage reads every 2 s).
    #[arg(long, default_value_t = 60)]
    pub max_idle: u64,
    /// Unhealthy when the scanner's last poll is older than this many seconds.
    #[arg(long, default_value_t = 300)]
    pub max_cursor_age: u64,
}

/// What `matchbot status --json` prints.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Every stream, in pipeline order.
    pub streams: Vec<StreamStatus>,
    /// Entries in the dead-letter stream.
    pub dead_letters: u64,
    /// The scanner's cursor: the wiki's time at its last poll.
    pub scanner_cursor: Option<String>,
    /// Seconds since then.
    pub scanner_cursor_age_seconds: Option<i64>,
    /// Who holds the scanner lease (the replica that scans), if anyone.
    pub scanner_lease: Option<LeaseStatus>,
    /// The replicas of each stage that are alive: consumers that read within `--max-idle`,
    /// and scanners that held or wanted the lease within it.
    pub replicas: BTreeMap<String, usize>,
    /// The kill switch.
    pub kill_switch: KillSwitch,
    /// The bot account's greetings today, when `notifier.daily_edit_cap` is set.
    pub edits_today: Option<EditsToday>,
    /// The settings page's revision in use, when `settings.page` is set.
    pub settings: Option<settings::SettingsStatus>,
    /// What is wrong; empty when healthy.
    pub problems: Vec<String>,
    /// True when `problems` is empty.
    pub healthy: bool,
}

/// The day's greetings against the daily cap.
#[derive(Debug, Serialize)]
pub struct EditsToday {
    /// The UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Greetings saved (or being saved) that day, by every notifier.
    pub made: u64,
    /// `notifier.daily_edit_cap`.
    pub cap: u64,
}

/// What the run page says.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum KillSwitch {
    /// It says `true`: MatchBot may edit.
    Running {
        /// The run page.
        page: String,
    },
    /// It says something else: MatchBot makes no edits.
    Stopped {
        /// The run page.
        page: String,
        /// What it says.
        says: String,
    },
    /// It could not be read.
    Unknown {
        /// The run page.
        page: String,
        /// Why not.
        error: String,
    },
}

/// Reads the pipeline's state and judges it by `limits`.
pub async fn status(config: &Config, limits: &Limits) -> anyhow::Result<Status> {
    let bus = connect::bus(&config.redis).await?;
    let mut streams = Vec::new();
    for stream in Stream::ALL {
        streams.push(bus.stream_status(stream).await?);
    }
    let cursor = bus.scanner_cursor().await?;
    let scanner_lease = bus.lease_status(SCANNER_LEASE).await?;
    let within = Duration::from_secs(limits.max_idle);
    let mut replicas = BTreeMap::new();
    replicas.insert(
        "scanner".to_owned(),
        bus.lease_candidates(SCANNER_LEASE, within).await?.len(),
    );
    for stream in &streams {
        for group in &stream.groups {
            replicas.insert(group.group.clone(), alive(group, limits));
        }
    }
    let kill_switch = kill_switch(config).await;
    let dead_letters = streams
        .iter()
        .find(|s| s.stream == Stream::DeadLetter.name())
        .map_or(0, |s| s.length);
    let cursor_age = cursor.map(|c| Timestamp::now().unix() - c.unix());
    let edits_today = match config.notifier.daily_edit_cap {
        Some(cap) => {
            let day = Timestamp::now().day();
            let made = bus.edits_on(&day).await?;
            Some(EditsToday { day, made, cap })
        }
        None => None,
    };
    let settings = settings::read(config, &bus).await?;
    let mut problems = problems(&streams, dead_letters, cursor_age, &kill_switch, limits);
    if let Some(today) = edits_today.as_ref().filter(|t| t.made >= t.cap) {
        problems.push(format!(
            "the daily edit cap is reached: {} of {} greetings on {} (notifier.daily_edit_cap); the rest wait until 00:00 UTC",
            today.made, today.cap, today.day
        ));
    }
    Ok(Status {
        streams,
        dead_letters,
        scanner_cursor: cursor.map(|c| c.to_string()),
        scanner_cursor_age_seconds: cursor_age,
        scanner_lease,
        replicas,
        kill_switch,
        edits_today,
        settings,
        healthy: problems.is_empty(),
        problems,
    })
}

/// Reads the run page anonymously: a status check every minute must not log in every minute.
async fn kill_switch(config: &Config) -> KillSwitch {
    let page = config.notifier.run_page.clone();
    let read = async {
        let wiki = Client::builder(&config.wiki.api_url)
            .user_agent(&config.wiki.user_agent)
            .build()
            .await?;
        wiki.talk_page(&page).await
    };
    match read.await {
        Ok(p) if p.exists && p.text.trim().eq_ignore_ascii_case("true") => {
            KillSwitch::Running { page }
        }
        Ok(p) if !p.exists => KillSwitch::Stopped {
            page,
            says: "(the page does not exist)".into(),
        },
        Ok(p) => KillSwitch::Stopped {
            page,
            says: p.text.trim().chars().take(80).collect(),
        },
        Err(e) => KillSwitch::Unknown {
            page,
            error: e.to_string(),
        },
    }
}

/// How many of `group`'s consumers read within `--max-idle`.
fn alive(group: &GroupStatus, limits: &Limits) -> usize {
    group
        .consumers
        .iter()
        .filter(|c| c.last_read_seconds.is_some_and(|s| s <= limits.max_idle))
        .count()
}

fn problems(
    streams: &[StreamStatus],
    dead_letters: u64,
    cursor_age: Option<i64>,
    kill_switch: &KillSwitch,
    limits: &Limits,
) -> Vec<String> {
    let mut problems = Vec::new();
    for stream in Stream::ALL {
        let Some(stage) = stream.reader() else {
            continue;
        };
        let group = streams
            .iter()
            .find(|s| s.stream == stream.name())
            .and_then(|s| s.groups.iter().find(|g| g.group == stage));
        let Some(group) = group else {
            problems.push(format!(
                "the {stage} has never read {stream}: is it deployed?"
            ));
            continue;
        };
        if alive(group, limits) == 0 {
            problems.push(format!(
                "no {stage} is reading {stream}: none of its {} consumers read in the last {} s",
                group.consumers.len(),
                limits.max_idle
            ));
        }
        if let Some(lag) = group.lag.filter(|lag| *lag > limits.max_lag) {
            problems.push(format!(
                "{lag} entries of {stream} wait for the {stage} (more than {})",
                limits.max_lag
            ));
        }
        if let Some(age) = group
            .oldest_pending_seconds
            .filter(|age| *age > limits.max_pending_age)
        {
            problems.push(format!(
                "an entry of {stream} has been pending with the {stage} for {age} s (more than {})",
                limits.max_pending_age
            ));
        }
    }
    if dead_letters > 0 {
        problems.push(format!(
            "{dead_letters} entries in the dead-letter stream (see `matchbot dlq list`)"
        ));
    }
    match cursor_age {
        None => problems.push("the scanner has never polled".into()),
        Some(age) if age > limits.max_cursor_age as i64 => problems.push(format!(
            "the scanner last polled {age} s ago (more than {})",
            limits.max_cursor_age
        )),
        Some(_) => {}
    }
    if let KillSwitch::Unknown { page, error } = kill_switch {
        problems.push(format!("cannot read the run page {page}: {error}"));
    }
    problems
}

impl Status {
    /// The status as a person reads it on a terminal.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for stream in &self.streams {
            let _ = writeln!(out, "{:<12} {} entries", stream.stream, stream.length);
            for g in &stream.groups {
                let _ = writeln!(
                    out,
                    "  {:<10} replicas {}, pending {}, lag {}, oldest pending {}, consumers {}",
                    g.group,
                    self.replicas.get(&g.group).copied().unwrap_or(0),
                    g.pending,
                    g.lag.map_or("unknown".into(), |l| l.to_string()),
                    g.oldest_pending_seconds
                        .map_or("-".into(), |s| format!("{s} s")),
                    g.consumers.len()
                );
                for c in &g.consumers {
                    let _ = writeln!(
                        out,
                        "    {} (holds {}, last read {})",
                        c.name,
                        c.pending,
                        c.last_read_seconds
                            .map_or("unknown".into(), |s| format!("{s} s ago"))
                    );
                }
            }
        }
        let _ = match (&self.scanner_cursor, self.scanner_cursor_age_seconds) {
            (Some(at), Some(age)) => writeln!(out, "scanner      last polled {age} s ago ({at})"),
            _ => writeln!(out, "scanner      never polled"),
        };
        let scanners = self.replicas.get("scanner").copied().unwrap_or(0);
        let _ = match &self.scanner_lease {
            Some(LeaseStatus {
                holder: Some(holder),
                expires_in_ms,
            }) => writeln!(
                out,
                "             replicas {scanners}; {holder:?} holds the lease ({})",
                expires_in_ms.map_or("no expiry".into(), |ms| format!(
                    "{:.1} s left",
                    ms as f64 / 1000.0
                ))
            ),
            Some(LeaseStatus { holder: None, .. }) => writeln!(
                out,
                "             replicas {scanners}; the lease holds a value not signed by MatchBot (a scanner replaces it)"
            ),
            None => writeln!(
                out,
                "             replicas {scanners}; nobody holds the lease"
            ),
        };
        let _ = match &self.kill_switch {
            KillSwitch::Running { page } => {
                writeln!(out, "kill switch  running ({page} says true)")
            }
            KillSwitch::Stopped { page, says } => {
                writeln!(out, "kill switch  STOPPED ({page} says {says:?})")
            }
            KillSwitch::Unknown { page, error } => {
                writeln!(out, "kill switch  unknown ({page}: {error})")
            }
        };
        if let Some(today) = &self.edits_today {
            let _ = writeln!(
                out,
                "greetings    {} of {} today ({})",
                today.made, today.cap, today.day
            );
        }
        if let Some(settings) = &self.settings {
            settings.lines(&mut out);
        }
        if self.healthy {
            let _ = writeln!(out, "healthy");
        } else {
            let _ = writeln!(out, "UNHEALTHY:");
            for p in &self.problems {
                let _ = writeln!(out, "  - {p}");
            }
        }
        out
    }
}
