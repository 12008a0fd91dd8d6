//! What every query shares: how many titles one request may name, and reading on where the
//! wiki says there is more.

use serde_json::Value;

/// At most this many titles per `titles=` or `pageids=` (the API's limit for most accounts).
pub(crate) const TITLES_PER_REQUEST: usize = 50;

/// The `continue` block of an answer, if there is more to read.
pub(crate) fn continuation(answer: &Value, key: &str) -> Option<(String, String)> {
    let block = answer.get("continue")?;
    Some((
        block["continue"].as_str()?.to_owned(),
        block[key].as_str()?.to_owned(),
    ))
}
