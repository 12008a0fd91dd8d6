//! `matchbot migrate`: create the database if needed and apply the migrations it lacks.

use anyhow::Context;
use matchbot_config::Config;
use matchbot_db::Db;

/// Creates the database and brings its schema up to date.
pub async fn run(config: &Config) -> anyhow::Result<()> {
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
