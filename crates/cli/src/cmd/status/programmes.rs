//! `matchbot status` of a configuration of several programmes: each one's status in turn.

use std::process::ExitCode;

use matchbot_config::Config;

use super::{Args, run, status};

/// Prints each programme's status, one after the other (as JSON: an object of them by
/// name); exit status 1 when something in any of them is unhealthy. A configuration of one
/// programme prints as it always has.
pub async fn run_each(programmes: &[Config], args: &Args) -> ExitCode {
    if let [one] = programmes {
        return run(one, args).await;
    }
    let mut healthy = true;
    let mut all = serde_json::Map::new();
    for config in programmes {
        match status(config, &args.limits).await {
            Ok(status) => {
                healthy &= status.healthy;
                if args.json {
                    all.insert(
                        config.programme.clone(),
                        serde_json::to_value(&status).unwrap_or_default(),
                    );
                } else {
                    println!("programme {}:", config.programme);
                    print!("{}", status.table());
                }
            }
            Err(e) => {
                healthy = false;
                eprintln!(
                    "matchbot: cannot tell programme {}'s status: {e:#}",
                    config.programme
                );
            }
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&all) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("matchbot: {e}"),
        }
    }
    if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
