use std::collections::BTreeMap;

use redis::AsyncTypedCommands;
use serde::{Deserialize, Serialize};

use crate::stream::{PAYLOAD, SIG, TRACEPARENT, append, append_signed};
use crate::{Bus, BusError, Stream};

/// One stream entry as a line of `matchbot stream export`: where it was, its id, its fields.
///
/// Replaying it adds the same fields to the same stream under a new id: ids are the stream's
/// clock and cannot be reused, and nothing downstream depends on them (a request is known by its
/// `request_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedEntry {
    /// The stream's name, without the prefix (`requests`, `decisions`, …).
    pub stream: String,
    /// The entry's id when it was exported.
    pub id: String,
    /// The entry's fields; for the stage streams, `payload` holds the JSON.
    pub fields: BTreeMap<String, String>,
}

/// Entries read or written per round trip.
const PAGE: usize = 500;

impl Bus {
    /// Every entry of `stream`, oldest first.
    pub async fn export(&self, stream: Stream) -> Result<Vec<ExportedEntry>, BusError> {
        let key = self.key(stream.name());
        let mut conn = self.connection();
        let mut entries = Vec::new();
        let mut start = "-".to_owned();
        loop {
            let page = conn.xrange_count(&key, &start, "+", PAGE).await?;
            let len = page.ids.len();
            for entry in page.ids {
                let mut fields = BTreeMap::new();
                for (name, value) in entry.map {
                    let value: String =
                        redis::from_redis_value(value).map_err(|e| BusError::Redis(e.into()))?;
                    fields.insert(name, value);
                }
                start = format!("({}", entry.id);
                entries.push(ExportedEntry {
                    stream: stream.name().to_owned(),
                    id: entry.id,
                    fields,
                });
            }
            if len < PAGE {
                return Ok(entries);
            }
        }
    }

    /// Adds each entry's fields to its stream, in order; returns the new ids.
    ///
    /// Entries of the stage streams are signed anew: whoever runs the replay holds the key and
    /// vouches for the file, so replay only what you exported yourself. Dead letters are put
    /// back unsigned, to be read, never retried. Each page of entries is one MULTI/EXEC, so an
    /// interrupted replay leaves whole pages.
    pub async fn replay(
        &self,
        stream: Stream,
        entries: &[BTreeMap<String, String>],
    ) -> Result<Vec<String>, BusError> {
        let mut conn = self.connection();
        let mut ids = Vec::with_capacity(entries.len());
        for page in entries.chunks(PAGE) {
            let mut pipe = redis::pipe();
            pipe.atomic();
            for fields in page {
                if stream == Stream::DeadLetter {
                    let fields: Vec<(&str, &str)> = fields
                        .iter()
                        .filter(|(k, _)| k.as_str() != SIG)
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    append(&mut pipe, self.keys(), stream, &fields);
                } else {
                    let payload = fields.get(PAYLOAD).map_or("", String::as_str);
                    let traceparent = fields.get(TRACEPARENT).map(String::as_str);
                    append_signed(&mut pipe, self.keys(), stream, payload, traceparent);
                }
            }
            let page_ids: Vec<String> = pipe.query_async(&mut conn).await?;
            ids.extend(page_ids);
        }
        Ok(ids)
    }
}
