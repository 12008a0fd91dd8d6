//! The loop every stream-reading stage runs, and the name each replica reads under.

use std::time::Duration;

use matchbot_bus::{Bus, BusError, Consumer, Delivery, Topic};
use matchbot_config::RedisConfig;
use serde::de::DeserializeOwned;

use crate::connect;
use crate::outage::{Transient, retry};
use crate::shutdown::Shutdown;

/// How a stream-reading stage runs.
#[derive(Debug, Clone)]
pub struct StageOptions {
    /// Handle what is waiting, then return.
    pub once: bool,
    /// This process's name in the stage's consumer group.
    pub consumer: String,
}

impl StageOptions {
    /// Options for `stage`, named by [`consumer_name`].
    pub fn new(stage: &str, once: bool) -> StageOptions {
        StageOptions {
            once,
            consumer: consumer_name(stage),
        }
    }
}

/// This process's name in its stage's consumer group: `MATCHBOT_CONSUMER` if set, else
/// `<stage>-<host name>-<process id>`.
///
/// Unique per process, so replicas on one host never share a pending list (two processes under
/// one name would each re-read the other's in-flight entries). A restarted worker therefore
/// comes back under a new name; what its predecessor left pending is taken over after
/// `redis.claim_idle_seconds`, and the old name is forgotten a day later.
pub fn consumer_name(stage: &str) -> String {
    if let Ok(name) = std::env::var("MATCHBOT_CONSUMER")
        && !name.is_empty()
    {
        return name;
    }
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".to_owned());
    format!("{stage}-{host}-{}", std::process::id())
}

/// How long a stage's read waits for new entries before it looks for shutdown again.
const BLOCK: Duration = Duration::from_secs(2);

/// Connects to Redis and joins the consumer group of `topic`'s stage as `options.consumer`,
/// waiting out an outage: a stage started while Redis restarts simply starts late. `None` if
/// `shutdown` came first.
pub async fn join_stage<T: DeserializeOwned>(
    redis: &RedisConfig,
    topic: Topic<T>,
    options: &StageOptions,
    shutdown: &Shutdown,
) -> Result<Option<(Bus, Consumer<T>)>, BusError> {
    retry(shutdown, "joining the stage's consumer group", async || {
        let bus = connect::bus(redis).await?;
        let consumer = Consumer::join(&bus, topic, &options.consumer, BLOCK).await?;
        Ok((bus, consumer))
    })
    .await
}

/// What a stage does after a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Read the next batch.
    Continue,
    /// Stop reading: the stage is done for this run (a trial's edit budget is spent, or a
    /// stop came during a deliberate wait). What it did not read waits in the stream.
    Stop,
}

/// The loop every stream-reading stage runs: read up to `batch` entries (this consumer's
/// pending ones first), hand them to `handle`, repeat until `shutdown` fires, `handle` says
/// [`Next::Stop`] — or, with `options.once`, until nothing is waiting.
///
/// `handle` must end each entry in a commit that acks it, or dead-letter it. While it works on
/// a batch the batch is held (see [`Consumer::hold`]): however long one entry takes, no other
/// replica takes it over. An outage in the read or in `handle` is waited out with backoff, and
/// `handle` is then given the same batch again (without reading it again, so the entries'
/// delivery counts do not grow while, say, MariaDB restarts), less any entry another consumer
/// took over meanwhile: every stage's handling is idempotent, so a half-done batch is safe to
/// repeat. A permanent error ends the loop; the batch stays pending for the next start, and
/// after `redis.max_deliveries` starts it is dead-lettered.
///
/// Whatever way the loop ends, what was read but not acted on is handed back
/// ([`Consumer::hand_back`]), so the next consumer takes it over at once rather than after
/// `redis.claim_idle_seconds`.
pub async fn run_stage<T, E>(
    consumer: &mut Consumer<T>,
    batch: usize,
    options: &StageOptions,
    shutdown: &Shutdown,
    handle: impl AsyncFnMut(&Consumer<T>, &[Delivery<T>]) -> Result<Next, E>,
) -> Result<(), E>
where
    T: DeserializeOwned,
    E: Transient + From<BusError>,
{
    let always = async || Ok(true);
    run_stage_when(consumer, batch, options, shutdown, always, handle).await
}

/// [`run_stage`] for a stage that may only read when `ready` says so: it is asked before
/// every read, and may wait (the notifier waits there for its run page, so that nothing is
/// read, and left in hand, while the bot is told to stop). False ends the loop.
pub async fn run_stage_when<T, E>(
    consumer: &mut Consumer<T>,
    batch: usize,
    options: &StageOptions,
    shutdown: &Shutdown,
    ready: impl AsyncFnMut() -> Result<bool, E>,
    handle: impl AsyncFnMut(&Consumer<T>, &[Delivery<T>]) -> Result<Next, E>,
) -> Result<(), E>
where
    T: DeserializeOwned,
    E: Transient + From<BusError>,
{
    let result = read_and_handle(consumer, batch, options, shutdown, ready, handle).await;
    if let Err(e) = consumer.hand_back().await {
        tracing::warn!(
            error = %e,
            "could not hand back the entries read but not acted on: they are taken over after redis.claim_idle_seconds"
        );
    }
    result
}

async fn read_and_handle<T, E>(
    consumer: &mut Consumer<T>,
    batch: usize,
    options: &StageOptions,
    shutdown: &Shutdown,
    mut ready: impl AsyncFnMut() -> Result<bool, E>,
    mut handle: impl AsyncFnMut(&Consumer<T>, &[Delivery<T>]) -> Result<Next, E>,
) -> Result<(), E>
where
    T: DeserializeOwned,
    E: Transient + From<BusError>,
{
    let wait = !options.once;
    while !shutdown.is_shutdown() {
        crate::heartbeat::beat();
        match retry(shutdown, "waiting until the stage may read", async || {
            ready().await
        })
        .await?
        {
            Some(true) => {}
            Some(false) | None => break,
        }
        let read = retry(shutdown, "reading the stream", async || {
            consumer.read(batch, wait).await
        })
        .await?;
        let Some(mut entries) = read else { break };
        if entries.is_empty() {
            if options.once {
                break;
            }
            continue;
        }
        let consumer = &*consumer;
        let _hold = {
            let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
            consumer.hold(&ids)
        };
        let mut again = false;
        let handled = retry(shutdown, "handling a batch", async || {
            if again {
                // The outage may have outlasted `claim_idle`: keep only what no other
                // consumer took over meanwhile.
                let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
                let mine = consumer.still_mine(&ids).await?;
                entries.retain(|e| mine.contains(&e.id));
            }
            again = true;
            handle(consumer, &entries).await
        })
        .await?;
        if matches!(handled, None | Some(Next::Stop)) {
            break;
        }
    }
    Ok(())
}
