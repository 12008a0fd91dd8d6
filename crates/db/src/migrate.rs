use mysql_async::prelude::Queryable;

use crate::{Db, DbError};

/// One versioned schema change, from `migrations/`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its version: applied in increasing order, each once.
    pub version: u32,
    /// Its file name.
    pub name: &'static str,
    /// The SQL, statements separated by `;` at the end of a line.
    pub sql: &'static str,
}

/// Every migration this build knows, oldest first. The last one's version is the schema this
/// build writes.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_matches.sql",
        sql: include_str!("../../../migrations/0001_matches.sql"),
    },
    Migration {
        version: 2,
        name: "0002_request_id.sql",
        sql: include_str!("../../../migrations/0002_request_id.sql"),
    },
    Migration {
        version: 3,
        name: "0003_dry_run.sql",
        sql: include_str!("../../../migrations/0003_dry_run.sql"),
    },
    Migration {
        version: 4,
        name: "0004_explanation.sql",
        sql: include_str!("../../../migrations/0004_explanation.sql"),
    },
    Migration {
        version: 5,
        name: "0005_people_and_trace.sql",
        sql: include_str!("../../../migrations/0005_people_and_trace.sql"),
    },
    Migration {
        version: 6,
        name: "0006_title_lengths.sql",
        sql: include_str!("../../../migrations/0006_title_lengths.sql"),
    },
    Migration {
        version: 7,
        name: "0007_match_events.sql",
        sql: include_str!("../../../migrations/0007_match_events.sql"),
    },
    Migration {
        version: 8,
        name: "0008_programmes.sql",
        sql: include_str!("../../../migrations/0008_programmes.sql"),
    },
];

fn needed() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

impl Db {
    /// Applies every migration not applied yet; returns the ones it applied.
    pub async fn migrate(&self) -> Result<Vec<Migration>, DbError> {
        let mut conn = self.conn().await?;
        self.answer(conn.query_drop(
            "CREATE TABLE IF NOT EXISTS matchbot_schema (
                version int NOT NULL PRIMARY KEY,
                name varchar(100) NOT NULL,
                applied_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
            )",
        ))
        .await?;
        let current = self.schema_version().await?;
        let mut applied = Vec::new();
        for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
            for statement in statements(migration.sql) {
                self.answer(conn.query_drop(statement)).await?;
            }
            self.answer(conn.exec_drop(
                "INSERT INTO matchbot_schema (version, name) VALUES (?, ?)",
                (migration.version, migration.name),
            ))
            .await?;
            tracing::info!(
                version = migration.version,
                name = migration.name,
                "migration applied"
            );
            applied.push(*migration);
        }
        Ok(applied)
    }

    /// The schema version of the database (0 when never migrated).
    pub async fn schema_version(&self) -> Result<u32, DbError> {
        let mut conn = self.conn().await?;
        let exists: Option<u32> = self
            .answer(conn.query_first(
                "SELECT COUNT(*) FROM information_schema.tables
                 WHERE table_schema = DATABASE() AND table_name = 'matchbot_schema'",
            ))
            .await?;
        if exists.unwrap_or(0) == 0 {
            return Ok(0);
        }
        let version: Option<Option<u32>> = self
            .answer(conn.query_first("SELECT MAX(version) FROM matchbot_schema"))
            .await?;
        Ok(version.flatten().unwrap_or(0))
    }

    /// Fails unless the schema is exactly the one this build writes.
    pub async fn require_current_schema(&self) -> Result<(), DbError> {
        let found = self.schema_version().await?;
        if found != needed() {
            return Err(DbError::WrongSchema {
                found,
                needed: needed(),
            });
        }
        Ok(())
    }
}

/// Splits a migration into statements: `;` ends a statement only at the end of a line, and
/// `--` comment lines are dropped.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let code = line.split("--").next().unwrap_or("").trim_end();
        if code.trim().is_empty() {
            continue;
        }
        current.push_str(code);
        current.push('\n');
        if code.ends_with(';') {
            out.push(current.trim().trim_end_matches(';').to_owned());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_split_into_statements_without_comments() {
        let s = statements(MIGRATIONS[1].sql);
        assert_eq!(s.len(), 2, "{s:#?}");
        assert!(s[0].starts_with("ALTER TABLE matches"));
        assert!(s[1].starts_with("CREATE UNIQUE INDEX"));
        assert!(s.iter().all(|st| !st.contains("--")));
    }

    #[test]
    fn versions_increase() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
    }
}
