//! Values beside the streams that one worker writes whole and others read: stored as
//! "<signature> <json>", so one written by anyone else is refused, not used.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bus::Bus;
use crate::commit::Commit;
use crate::error::BusError;

impl Bus {
    /// The value at `name`, as JSON signed for that name; `None` when unset. `what` names it
    /// in errors.
    pub(crate) async fn signed<T: DeserializeOwned>(
        &self,
        name: &str,
        what: &'static str,
    ) -> Result<Option<T>, BusError> {
        let Some(stored) = self.value(name).await? else {
            return Ok(None);
        };
        let (sig, json) = match stored.split_once(' ') {
            Some((sig, json)) => (Some(sig), json),
            None => (None, stored.as_str()),
        };
        if let Err(why) = self.keys().verify(name, json, sig) {
            return Err(BusError::Forged {
                what,
                why: why.to_string(),
            });
        }
        serde_json::from_str(json)
            .map(Some)
            .map_err(|source| BusError::Corrupt { what, source })
    }
}

impl Commit {
    /// Replaces the value at `name`, whole, signed for that name.
    pub(crate) fn set_signed<T: Serialize>(
        &mut self,
        name: &str,
        value: &T,
    ) -> Result<(), BusError> {
        let json = serde_json::to_string(value)?;
        let sig = self.keys().sign(name, &json);
        self.set(name, &format!("{sig} {json}"));
        Ok(())
    }
}
