//! What the scanner remembers of each learner's requests, for [`crate::admission`]: a sorted
//! set per learner (`scanner:learner:<user id>`) of the requests handed out, scored by when
//! their category was added, each with its category and profile. Kept for the cooldown or
//! [`OPEN_AT_MOST_SECONDS`], whichever is longer, after the last request.
//!
//! Whether a request is still open is not stored but asked of `matches` at each scan, so it is
//! exact: a request is open from the commit that hands it out to the row the recorder writes.
//! One that never gets a row (given up on the way) stops counting after
//! [`OPEN_AT_MOST_SECONDS`], so a learner is never held back for good.

use std::collections::{BTreeMap, HashSet};

use matchbot_bus::{Bound, Bus, Commit};
use matchbot_db::{Db, RequestKey};
use matchbot_model::{Request, RequestId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::admission::{Earlier, learner_key};
use crate::error::ScanError;

/// A request with no row this long after its category was added is no longer open.
pub(crate) const OPEN_AT_MOST_SECONDS: i64 = 30 * 86_400;

fn key(learner: &str) -> String {
    format!("scanner:learner:{learner}")
}

/// One member of a learner's set.
#[derive(Serialize, Deserialize)]
struct Member {
    id: String,
    profile: u64,
    category: String,
}

/// The requests each learner of `requests` was handed out before, with whether each is open
/// at `now`: one round trip to Redis, one query of `matches`.
pub(crate) async fn read(
    bus: &Bus,
    db: &Db,
    requests: &[Request],
    now: Timestamp,
) -> Result<BTreeMap<String, Vec<Earlier>>, ScanError> {
    let learners: HashSet<String> = requests.iter().map(learner_key).collect();
    let mut reads = bus.reads();
    let slots: Vec<_> = learners
        .into_iter()
        .map(|learner| {
            let slot = reads.range(
                &key(&learner),
                Bound::Inclusive(i64::MIN),
                Bound::Inclusive(i64::MAX),
            );
            (learner, slot)
        })
        .collect();
    let mut answers = reads.run().await?;
    let mut found: Vec<(String, RequestKey)> = Vec::new();
    for (learner, slot) in slots {
        for (json, added) in answers.take(&slot)? {
            // Written here; a member that does not read is one request not counted.
            let Ok(member) = serde_json::from_str::<Member>(&json) else {
                tracing::warn!("unreadable entry in a learner's requests; ignored");
                continue;
            };
            let Ok(added) = Timestamp::parse("1970-01-01T00:00:00Z").map(|t| t.plus_seconds(added))
            else {
                continue;
            };
            found.push((
                learner.clone(),
                RequestKey {
                    request_id: RequestId::from_stored(member.id),
                    profile_id: member.profile,
                    category: member.category,
                    category_added: added,
                },
            ));
        }
    }
    let keys: Vec<RequestKey> = found.iter().map(|(_, k)| k.clone()).collect();
    let handled = db.handled(&keys).await?;
    let mut earlier: BTreeMap<String, Vec<Earlier>> = BTreeMap::new();
    for (learner, request) in found {
        let added = request.category_added.unix();
        let open =
            !handled.contains(&request.request_id) && now.unix() - added < OPEN_AT_MOST_SECONDS;
        earlier.entry(learner).or_default().push(Earlier {
            request_id: request.request_id,
            category: request.category,
            added,
            open,
        });
    }
    Ok(earlier)
}

/// Notes in `commit` that `request` was handed out, and forgets what no limit needs any more.
pub(crate) fn note(
    commit: &mut Commit,
    request: &Request,
    cooldown_seconds: i64,
) -> Result<(), ScanError> {
    let keep = cooldown_seconds.max(OPEN_AT_MOST_SECONDS);
    let key = key(&learner_key(request));
    let member = serde_json::to_string(&Member {
        id: request.request_id.as_str().to_owned(),
        profile: request.profile.id,
        category: request.category.clone(),
    })
    .map_err(ScanError::Encode)?;
    let added = request.category_added.unix();
    commit.zadd(&key, &member, added);
    commit.zremrangebyscore_below(&key, request.scanned_at.unix() - keep);
    commit.expire(&key, keep + 86_400);
    Ok(())
}
