//! The connected parts a worker runs on, built from the configuration: the bus, the wiki
//! client, the database. The library crates know nothing of the configuration; this is where
//! its settings meet them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use matchbot_bus::{Bus, BusError, Redelivery, Signing};
use matchbot_config::{RedisConfig, WikiAuth, WikiConfig};
use matchbot_wiki::{Builder, Client};
use tokio::sync::Mutex;

tokio::task_local! {
    /// The buses connected so far by URL, while [`sharing_redis`] runs: the programmes of one
    /// process share their Redis connections.
    static CONNECTED: Arc<Mutex<HashMap<String, Bus>>>;
}

/// Runs `work` (every programme of a process, polled in one task) with one set of Redis
/// connections per Redis URL: 300 programmes would otherwise hold 300 command connections and
/// 300 pools in each worker.
pub(crate) async fn sharing_redis<F: Future>(work: F) -> F::Output {
    CONNECTED.scope(Arc::default(), work).await
}

/// Connects to the bus the `redis` section describes, in its programme's scope; inside
/// [`sharing_redis`], on the connections an earlier programme made to the same Redis.
pub async fn bus(config: &RedisConfig) -> Result<Bus, BusError> {
    let redelivery = Redelivery {
        claim_idle: config.claim_idle,
        max_deliveries: config.max_deliveries,
    };
    let signing = Signing::new(
        config.signing.current.clone(),
        config.signing.previous.iter().cloned(),
    );
    let (url, prefix) = (config.url.expose(), config.prefix.expose());
    let bus = match CONNECTED.try_with(Arc::clone) {
        Ok(connected) => {
            let mut connected = connected.lock().await;
            match connected.get(url) {
                Some(earlier) => {
                    earlier.sharing(prefix, signing, redelivery, config.keep_handled)?
                }
                None => {
                    let bus =
                        Bus::connect(url, prefix, signing, redelivery, config.keep_handled).await?;
                    connected.insert(url.to_owned(), bus.clone());
                    bus
                }
            }
        }
        Err(_) => Bus::connect(url, prefix, signing, redelivery, config.keep_handled).await?,
    };
    Ok(match &config.scope {
        Some(programme) => bus.scoped(programme),
        None => bus,
    })
}

/// A builder for the configured bot account: the configuration's API URL, User-Agent contact
/// and credentials, with the client's defaults for everything else. A worker adds what its
/// edits need (the run page, the edit interval, a budget) before building it.
pub fn wiki(config: &WikiConfig) -> Builder {
    let builder = Client::builder(&config.api_url).user_agent(&config.user_agent);
    match &config.auth {
        WikiAuth::BotPassword(password) => builder.bot_password(&config.username, password.clone()),
        WikiAuth::OAuth2(token) => builder.oauth2(&config.username, token.clone()),
    }
}
