//! The learners' accounts, read as their requests are handed out, for the matcher's gates.

use std::collections::BTreeSet;

use matchbot_config::Config;
use matchbot_model::Request;
use matchbot_wiki::Client;

use crate::error::ScanError;

/// Adds to each of `requests` its learner's account as the wiki has it now (blocked,
/// registered, edits): one `list=users` request per 50 learners, and none when no gate needs
/// them. A learner the wiki does not know (renamed, say) gets none, and the gates let
/// the request through as before them.
pub(crate) async fn add(
    config: &Config,
    wiki: &Client,
    requests: &mut [Request],
) -> Result<(), ScanError> {
    if requests.is_empty() || !config.gates.needs_learner_facts() {
        return Ok(());
    }
    let names: Vec<String> = requests
        .iter()
        .filter(|r| r.checkup.is_none())
        .map(|r| r.learner.name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let accounts = wiki.accounts(&names).await?;
    for request in requests.iter_mut().filter(|r| r.checkup.is_none()) {
        request.learner_facts = accounts.get(&request.learner.name).cloned();
    }
    Ok(())
}
