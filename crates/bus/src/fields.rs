//! Reading what Redis hands back: an entry's payload and trace context, and XINFO's fields.

use std::collections::HashMap;

use redis::Value;
use redis::streams::StreamId;
use serde::de::DeserializeOwned;

use crate::keys::Keys;
use crate::stream::{PAYLOAD, SIG, Stream};

/// Why an entry whose body is gone was dead-lettered.
pub(crate) const TRIMMED: &str = "the entry was trimmed from the stream before it was handled";

/// Why an entry cannot be handed to its stage, and what of it is kept in the dead letter.
pub(crate) struct Refused {
    pub reason: String,
    pub raw: Option<String>,
    /// Whether the payload is MatchBot's own (its signature verified).
    pub verified: bool,
}

/// Whether `entry`'s payload is signed as belonging to `stream`.
pub(crate) fn verify(keys: &Keys, stream: Stream, entry: &StreamId) -> Result<String, Refused> {
    if entry.map.is_empty() {
        return Err(Refused {
            reason: TRIMMED.to_owned(),
            raw: None,
            verified: false,
        });
    }
    let Some(raw) = entry.get::<String>(PAYLOAD) else {
        return Err(Refused {
            reason: format!("the entry has no \"{PAYLOAD}\" field"),
            raw: None,
            verified: false,
        });
    };
    let sig: Option<String> = entry.get(SIG);
    match keys.verify(stream.name(), &raw, sig.as_deref()) {
        Ok(_) => Ok(raw),
        Err(why) => Err(Refused {
            reason: format!("not handled, {why}"),
            raw: Some(raw),
            verified: false,
        }),
    }
}

/// Decodes an entry's payload once its signature verified, or says why it cannot be.
pub(crate) fn decode<T: DeserializeOwned>(
    keys: &Keys,
    stream: Stream,
    entry: &StreamId,
) -> Result<T, Refused> {
    let raw = verify(keys, stream, entry)?;
    serde_json::from_str(&raw).map_err(|e| Refused {
        reason: format!(
            "the payload is not a valid {}: {e}",
            std::any::type_name::<T>()
                .rsplit("::")
                .next()
                .unwrap_or("entry")
        ),
        raw: Some(raw),
        verified: true,
    })
}

/// The trace id of a W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`), if it is
/// well formed and not the all-zero id the specification calls invalid.
pub fn trace_id(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let well_formed = hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && (version != "00" || parts.next().is_none());
    let valid =
        well_formed && trace.bytes().any(|b| b != b'0') && parent.bytes().any(|b| b != b'0');
    valid.then_some(trace)
}

/// Field `name` of an XINFO reply, as text.
pub(crate) fn text(fields: &HashMap<String, Value>, name: &str) -> Option<String> {
    redis::from_redis_value_ref(fields.get(name)?).ok()
}

/// Field `name` of an XINFO reply, as a number.
pub(crate) fn number(fields: &HashMap<String, Value>, name: &str) -> Option<u64> {
    redis::from_redis_value_ref(fields.get(name)?).ok()
}

#[cfg(test)]
mod tests {
    use super::trace_id;

    #[test]
    fn a_trace_id_is_read_only_from_a_well_formed_traceparent() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(trace_id(good), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
        ] {
            assert_eq!(trace_id(bad), None, "{bad:?}");
        }
        // A later version may add fields after the flags.
        assert!(trace_id("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x").is_some());
    }
}
