//! What a test reads and changes of a run's Redis: its bus, streams, mentor pool and keys.

use std::time::Duration;

use serde_json::Value;

use crate::run::Run;

impl Run {
    /// The run's bus, as the workers connect to it (the `redis` section's defaults otherwise).
    pub async fn bus(&self) -> matchbot_bus::Bus {
        let config = matchbot_config::Config::load(&self.dir).expect("the run's configuration");
        matchbot_runtime::connect::bus(&config.redis)
            .await
            .expect("connect to the run's Redis")
    }

    /// The Redis key of `name` (a stream's name, `mentor-pool`, …) for this run's bus.
    pub fn key(&self, name: &str) -> String {
        matchbot_bus::key_name(&self.prefix, name)
    }

    /// What every Redis key of this run starts with.
    pub fn namespace(&self) -> String {
        matchbot_bus::key_namespace(&self.prefix)
    }

    /// Adds `payload` to `stream` as MatchBot would, signed (a payload that is not what the
    /// stage expects still reaches its decoding, and is dead-lettered there).
    pub async fn add_signed(&self, stream: matchbot_bus::Stream, payload: &str) -> String {
        let fields = std::collections::BTreeMap::from([("payload".to_owned(), payload.to_owned())]);
        let ids = self.bus().await.replay(stream, &[fields]).await;
        ids.expect("add a signed entry").remove(0)
    }

    /// A connection to this run's Redis.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.redis_url.as_str())
            .expect("redis url")
            .get_multiplexed_async_connection()
            .await
            .expect("connect to Redis")
    }

    /// The Redis key of this run's mentor pool.
    pub fn pool_key(&self) -> String {
        self.key(matchbot_bus::MENTOR_POOL)
    }

    /// The mentor pool the scanner last wrote (empty before its first reconcile).
    pub async fn pool(&self) -> matchbot_model::MentorPool {
        let pool = self.bus().await.mentor_pool().await;
        pool.expect("read the pool").unwrap_or_default()
    }

    /// Waits until the scanner has written a pool in which `mentor` is opted out.
    pub async fn wait_until_opted_out(&self, mentor: &str, timeout: Duration) {
        self.wait_until(&format!("{mentor} opted out"), timeout, || async {
            self.pool()
                .await
                .opted_out
                .iter()
                .any(|m| m.user.name == mentor)
        })
        .await;
    }

    /// Writes `json` as the mentor pool, signed, where the scanner would.
    pub async fn set_pool(&self, json: &str) {
        let pool: matchbot_model::MentorPool = serde_json::from_str(json).expect("a mentor pool");
        let bus = self.bus().await;
        let mut commit = bus.commit_builder();
        commit.set_mentor_pool(&pool).expect("encode the pool");
        bus.commit(commit).await.expect("write the pool");
    }

    /// The payloads of `stream`, as `matchbot stream export` gives them.
    pub async fn export(&self, stream: &str) -> Vec<String> {
        let out = self.ok("matchbot", &["stream", "export", stream]).await;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let entry: Value = serde_json::from_str(line).expect("export lines are JSON");
                entry["fields"]["payload"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }

    /// Deletes every Redis key of this run, as a flushed or evicted Redis would.
    pub async fn lose_redis(&self) {
        // SCAN and UNLINK a page at a time: a benchmark's run holds a million keys (one ledger
        // hash per learner), which one KEYS would take longer to list than a reply may take.
        let mut conn = self.redis().await;
        let mut cursor = 0u64;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}*", self.namespace()))
                .arg("COUNT")
                .arg(10_000)
                .query_async(&mut conn)
                .await
                .expect("list keys");
            if !keys.is_empty() {
                let _: u64 = redis::cmd("UNLINK")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .expect("delete keys");
            }
            if next == 0 {
                return;
            }
            cursor = next;
        }
    }
}
