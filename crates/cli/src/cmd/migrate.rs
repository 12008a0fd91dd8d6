//! `matchbot migrate`: create the database if needed and apply the migrations it lacks.

use anyhow::Context;
use matchbot_config::DbConfig;
use matchbot_db::Db;

/// Creates the database and brings its schema up to date.
pub async fn run(db_config: &DbConfig) -> anyhow::Result<()> {
    Db::create_database(db_config)
        .await
        .with_context(|| format!("cannot create database {}", db_config.name))?;
    let db = Db::connect(db_config);
    let applied = db.migrate().await.context("migration failed")?;
    let version = db.schema_version().await?;
    db.close().await?;
    if applied.is_empty() {
        println!("{}: schema already at version {version}", db_config.name);
    } else {
        for m in &applied {
            println!(
                "{}: applied {} (version {})",
                db_config.name, m.name, m.version
            );
        }
    }
    Ok(())
}
