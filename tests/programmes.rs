//! One worker process serving many programmes: every programme's stage reads its own
//! streams, and the process holds one command connection to Redis for them all, not one each.

use std::time::Duration;

use harness::Run;
use harness::process::connections_to;
use redis::AsyncCommands;
use redis::streams::StreamInfoGroupsReply;
use serde_json::{Map, Value, json};

const PROGRAMMES: usize = 12;
const REDIS_PORT: u16 = 6379;

/// Whether `group` reads the stream `stream` of programme `p`.
async fn reads(
    redis: &mut redis::aio::MultiplexedConnection,
    run: &Run,
    p: usize,
    stream: &str,
    group: &str,
) -> bool {
    let key = matchbot_bus::key_name(&format!("{}p{p}:", run.prefix), stream);
    let groups: redis::RedisResult<StreamInfoGroupsReply> = redis.xinfo_groups(&key).await;
    groups.is_ok_and(|reply| reply.groups.iter().any(|g| g.name == group))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_serving_many_programmes_shares_one_redis_command_connection() {
    let run = Run::new("programmes-connections", |c| {
        let programmes: Map<String, Value> = (0..PROGRAMMES)
            .map(|p| (format!("p{p}"), json!({})))
            .collect();
        c["programmes"] = Value::Object(programmes);
    });
    run.migrate().await;
    let matcher = run.spawn("matchbot-matcher", &[]);
    let recorder = run.spawn("matchbot-recorder", &[]);
    let redis = run.redis().await;
    run.wait_until(
        "every programme's matcher and recorder to read",
        Duration::from_secs(60),
        || {
            let (mut redis, run) = (redis.clone(), &run);
            async move {
                for p in 0..PROGRAMMES {
                    if !reads(&mut redis, run, p, "requests", "matcher").await
                        || !reads(&mut redis, run, p, "outcomes", "recorder").await
                    {
                        return false;
                    }
                }
                true
            }
        },
    )
    .await;
    // Each programme's blocking read is on the wire by now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (name, worker) in [("matcher", &matcher), ("recorder", &recorder)] {
        let held = connections_to(worker.pid(), REDIS_PORT);
        // A blocking read per programme, and the command connection and transaction pool
        // they share; a command connection each would make it twice the programmes.
        assert!(
            (1..=PROGRAMMES + 3).contains(&held),
            "the {name} serving {PROGRAMMES} programmes holds {held} Redis connections"
        );
    }
    matcher.stop().await;
    recorder.stop().await;
    run.lose_redis().await;
}
