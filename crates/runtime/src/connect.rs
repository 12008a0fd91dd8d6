//! The connected parts a worker runs on, built from the configuration: the bus, the wiki
//! client, the database. The library crates know nothing of the configuration; this is where
//! its settings meet them.

use matchbot_bus::{Bus, BusError, Redelivery, Signing};
use matchbot_config::{RedisConfig, WikiAuth, WikiConfig};
use matchbot_wiki::{Builder, Client};

/// Connects to the bus the `redis` section describes, in its programme's scope.
pub async fn bus(config: &RedisConfig) -> Result<Bus, BusError> {
    let redelivery = Redelivery {
        claim_idle: config.claim_idle,
        max_deliveries: config.max_deliveries,
    };
    let signing = Signing::new(
        config.signing.current.clone(),
        config.signing.previous.iter().cloned(),
    );
    let bus = Bus::connect(
        config.url.expose(),
        config.prefix.expose(),
        signing,
        redelivery,
        config.keep_handled,
    )
    .await?;
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
