//! The scanner's loop: reconcile at start and every `scanner.reconcile_seconds`, poll every
//! `scanner.poll_seconds`, check up on the open matches every `lifecycle.check_seconds` (when
//! matches are followed), and wait out any outage in between.

use std::time::Instant;

use matchbot_bus::{Bus, BusError, SCANNER_LEASE};
use matchbot_config::Config;
use matchbot_db::Db;
use matchbot_model::{MentorPool, Timestamp};
use matchbot_runtime::{LiveConfig, Shutdown, connect, consumer_name, retry};
use matchbot_wiki::Client;

use crate::creators::Creators;
use crate::error::ScanError;
use crate::leadership::Leadership;
use crate::push::Push;
use crate::scan::Scanner;
use crate::state::State;

/// How the scanner runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reconcile, poll once, then return.
    pub once: bool,
    /// Where a first scan starts; ignored once the scanner has started once.
    pub since: Option<Timestamp>,
    /// This replica's name, for the lease and `matchbot status` (default: as a consumer's,
    /// `MATCHBOT_CONSUMER` or `scanner-<host>-<pid>`).
    pub replica: Option<String>,
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Polls of the watchlist.
    pub polls: usize,
    /// Reconciles.
    pub reconciles: usize,
    /// Requests put on the stream.
    pub requests: usize,
    /// Checkups of open matches sent to the matcher.
    pub checkups: usize,
    /// Times this replica took the scanner lease.
    pub leases: usize,
}

/// What the scanner runs on: the wiki (logged in as the bot), the bus, and the match
/// database (at the schema this build reads).
pub struct Deps {
    /// The wiki, as the bot.
    pub wiki: Client,
    /// The bus the requests, the pool and the scanner's state are on.
    pub bus: Bus,
    /// The match database: which requests were handled.
    pub db: Db,
}

impl Deps {
    /// Logs in, connects to Redis and checks the database's schema, waiting out outages;
    /// `None` if `shutdown` came first.
    pub async fn connect(config: &Config, shutdown: &Shutdown) -> Result<Option<Deps>, ScanError> {
        let Some(wiki) = retry(shutdown, "logging in to the wiki", async || {
            connect::wiki(&config.wiki)
                .build()
                .await
                .map_err(ScanError::from)
        })
        .await?
        else {
            return Ok(None);
        };
        let Some(bus) = retry(shutdown, "connecting to Redis", async || {
            connect::bus(&config.redis).await.map_err(ScanError::from)
        })
        .await?
        else {
            return Ok(None);
        };
        let db = Db::shared(&config.db).for_programme(&config.programme);
        let Some(()) = retry(shutdown, "checking the match database", async || {
            db.require_current_schema().await.map_err(ScanError::from)
        })
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(Deps { wiki, bus, db }))
    }
}

/// Runs the scanner until `shutdown` fires (or reconciles and polls once, with `options.once`):
/// stands by while another replica holds the scanner lease, scans while this one does.
pub async fn run(
    config: &Config,
    deps: Deps,
    options: Options,
    shutdown: Shutdown,
) -> Result<Summary, ScanError> {
    let mut summary = Summary::default();
    let replica = options
        .replica
        .clone()
        .unwrap_or_else(|| consumer_name("scanner"));
    loop {
        let Some(leadership) = Leadership::take(&deps.bus, &replica, &shutdown).await? else {
            return Ok(summary);
        };
        summary.leases += 1;
        let scanned = scan(
            config,
            &deps,
            &options,
            &shutdown,
            &leadership,
            &mut summary,
        )
        .await;
        match scanned {
            Err(ScanError::Bus(BusError::LeaseLost { .. })) => {
                tracing::warn!(
                    replica,
                    "the scanner lease passed to another replica: standing by"
                );
            }
            other => {
                leadership.release(&deps.bus).await;
                return other.map(|()| summary);
            }
        }
    }
}

/// Scans while `leadership` holds, until `shutdown` (or once, with `options.once`).
async fn scan(
    config: &Config,
    deps: &Deps,
    options: &Options,
    shutdown: &Shutdown,
    leadership: &Leadership,
    summary: &mut Summary,
) -> Result<(), ScanError> {
    let Deps { wiki, bus, db } = deps;
    let Some(floor) = retry(shutdown, "reading where scans start", async || {
        State::new(bus)
            .floor(options.since.or(config.scanner.since))
            .await
    })
    .await?
    else {
        return Ok(());
    };
    let mut live = LiveConfig::new(config.clone());
    let Some(_) = retry(shutdown, "reading the settings in use", async || {
        live.refresh(bus).await.map_err(ScanError::from)
    })
    .await?
    else {
        return Ok(());
    };
    let mut scanner = Scanner {
        file: config,
        config: live.config().clone(),
        settings_seen: None,
        list_seen: None,
        settings_changed: false,
        own_problems: Default::default(),
        wiki: wiki.clone(),
        state: State::new(bus),
        bus: bus.clone(),
        db: db.clone(),
        creators: Creators::new(),
        pool: MentorPool::default(),
        floor,
        lease: leadership.lease().clone(),
    };
    let lost = || {
        leadership
            .is_lost()
            .then_some(ScanError::Bus(BusError::LeaseLost {
                lease: SCANNER_LEASE,
            }))
    };
    let mut next_reconcile = Instant::now();
    let mut next_checkup = Instant::now();
    // Dropped, and the feed no longer heard, when this replica stops scanning.
    let mut push = match &config.scanner.push {
        Some(push) => Push::start(push, scanner.feed_filter(push), &config.wiki.user_agent).await,
        None => None,
    };
    loop {
        // A poll or reconcile half done when the wiki, Redis or MariaDB went away wrote nothing
        // (its writes are one MULTI/EXEC at the end), so it is simply done again.
        if Instant::now() >= next_reconcile {
            if let Some(e) = lost() {
                return Err(e);
            }
            let Some(found) =
                retry(shutdown, "reconciling", async || scanner.reconcile().await).await?
            else {
                break;
            };
            summary.requests += found;
            summary.reconciles += 1;
            next_reconcile = Instant::now() + config.scanner.reconcile_interval;
        }
        if let Some(e) = lost() {
            return Err(e);
        }
        let Some(found) = retry(shutdown, "polling the watchlist", async || {
            scanner.poll().await
        })
        .await?
        else {
            break;
        };
        summary.requests += found;
        summary.polls += 1;
        if scanner.settings_changed {
            // New categories are watched and read in full at once.
            next_reconcile = Instant::now();
        }
        let Some(again) = retry(shutdown, "handing out held requests", async || {
            scanner.hand_out_held().await
        })
        .await?
        else {
            break;
        };
        summary.requests += again;
        // The page may start or stop following matches, or change how often.
        let check_interval = scanner.config.lifecycle.as_ref().map(|l| l.check_interval);
        if let Some(check_interval) = check_interval
            && Instant::now() >= next_checkup
        {
            if let Some(e) = lost() {
                return Err(e);
            }
            let Some(sent) = retry(shutdown, "checking up on the open matches", async || {
                scanner.check_up().await
            })
            .await?
            else {
                break;
            };
            summary.checkups += sent;
            next_checkup = Instant::now() + check_interval;
        }
        if options.once {
            break;
        }
        let stopped = match push.as_mut() {
            Some(push) => {
                push.set_filter(scanner.feed_filter(push.config()));
                // A reconcile or checkup comes due whatever the feed says.
                let mut due = next_reconcile;
                if check_interval.is_some() {
                    due = due.min(next_checkup);
                }
                push.wait(shutdown, due.saturating_duration_since(Instant::now()))
                    .await
            }
            None => shutdown.sleep(config.scanner.poll_interval).await,
        };
        if stopped {
            break;
        }
    }
    Ok(())
}
