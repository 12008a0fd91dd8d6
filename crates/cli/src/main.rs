//! `matchbot`: the admin CLI.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use matchbot_db::Db;

/// MatchBot's admin commands.
#[derive(Parser)]
#[command(name = "matchbot", version)]
struct Args {
    /// The configuration: a config.json file, or a directory holding one.
    #[arg(
        long,
        global = true,
        env = "MATCHBOT_CONFIG",
        default_value = "config.json"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the configuration and say what it sets up; exit status 2 if it is refused.
    CheckConfig,
    /// Create the database if needed and apply the migrations it lacks.
    Migrate,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match matchbot_runtime::load_config("matchbot", &args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let result = match args.command {
        Command::CheckConfig => {
            check_config(&config);
            Ok(())
        }
        Command::Migrate => tokio::runtime::Runtime::new()
            .context("cannot start the async runtime")
            .and_then(|rt| rt.block_on(migrate(&config))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("matchbot: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(config: &matchbot_config::Config) {
    println!("{}: OK", config.source.display());
    println!("  wiki API: {}", config.wiki.api_url);
    println!("  bot account: {}", config.wiki.username);
    println!("  profiles: subpages of {}", config.pages.main);
    println!("  skills:");
    for s in &config.skills {
        println!(
            "    {}: requested with {}, offered with {}",
            s.name, s.request_category, s.mentor_category
        );
    }
    println!("  general mentors: {}", config.general_category);
    println!("  opted-out mentors: {}", config.optout_category);
    println!(
        "  database: {} on {}:{}",
        config.db.name, config.db.host, config.db.port
    );
}

async fn migrate(config: &matchbot_config::Config) -> anyhow::Result<()> {
    Db::create_database(&config.db)
        .await
        .with_context(|| format!("cannot create database {}", config.db.name))?;
    let db = Db::connect(&config.db);
    let applied = db.migrate().await.context("migration failed")?;
    let version = db.schema_version().await?;
    db.close().await?;
    if applied.is_empty() {
        println!("{}: schema already at version {version}", config.db.name);
    } else {
        for m in &applied {
            println!(
                "{}: applied {} (version {})",
                config.db.name, m.name, m.version
            );
        }
    }
    Ok(())
}
