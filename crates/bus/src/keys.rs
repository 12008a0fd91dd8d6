//! Key names: every key MatchBot writes is the prefix plus a fixed name.

use matchbot_secret::Secret;

/// The prefix every key carries, and the keys made with it.
///
/// On Toolforge's shared, password-less Redis the prefix is the only thing keeping other tools
/// out, so it is held as a [`Secret`] and a key built from it is never logged.
#[derive(Clone)]
pub(crate) struct Keys {
    prefix: Secret,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Keys {
        Keys {
            prefix: Secret::new(prefix),
        }
    }

    /// The full key of `name`: the prefix, then the name.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix.expose())
    }
}
