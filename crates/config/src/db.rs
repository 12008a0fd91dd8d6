//! `dbinfo.*`: the match database, and whose credentials (ToolsDB's on Toolforge).

use std::path::{Path, PathBuf};
use std::time::Duration;

use matchbot_secret::Secret;

use crate::mycnf;
use crate::reader::Reader;

/// Toolforge's ToolsDB, as its documentation names it.
const TOOLSDB_HOST: &str = "tools.db.svc.wikimedia.cloud";

/// ToolsDB's databases are `<user>__<name>`: a tool may create only its own.
const TOOLSDB_SEPARATOR: &str = "__";

/// MySQL's port unless `dbinfo.port` says otherwise.
const DEFAULT_PORT: u16 = 3306;

/// Keys that the environment or an option file can stand in for, so that they are not read in
/// every case.
const REPLACEABLE: [&str; 5] = [
    "dbinfo.username",
    "dbinfo.password",
    "dbinfo.host",
    "dbinfo.dbname",
    "dbinfo.credentials_file",
];

/// Where the match records go.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `dbinfo.host`.
    pub host: String,
    /// `dbinfo.port`, 3306 by default.
    pub port: u16,
    /// `dbinfo.dbname`.
    pub name: String,
    /// `dbinfo.username`, or `MATCHBOT_DB_USER` / `TOOL_TOOLSDB_USER`.
    pub user: String,
    /// `dbinfo.password`, or `MATCHBOT_DB_PASSWORD` / `TOOL_TOOLSDB_PASSWORD`.
    pub password: Secret,
    /// `dbinfo.connect_timeout_seconds` (default 10): the longest wait for a connection,
    /// whether a new one (TCP, handshake, login) or one of the pool's.
    pub connect_timeout: Duration,
    /// `dbinfo.query_timeout_seconds` (default 60): the longest wait for one statement to be
    /// sent and answered. A batch of 500 rows takes well under a second.
    pub query_timeout: Duration,
}

impl DbConfig {
    /// The timeouts when the file sets none.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// See [`DbConfig::query_timeout`].
    pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(60);
}

/// The database, and whose credentials. First found wins: MatchBot's variables, Toolforge's
/// (`TOOL_TOOLSDB_*`), an option file named by `dbinfo.credentials_file`, the file's own
/// `dbinfo.username`/`password`, and last a Toolforge `replica.my.cnf` in the tool's home.
/// With ToolsDB credentials the host and database name have Toolforge's defaults, and a
/// name ToolsDB would refuse is named as a problem.
pub(crate) fn read(r: &mut Reader, source: &Path) -> Option<DbConfig> {
    r.required_section("dbinfo");
    for key in REPLACEABLE {
        r.known(key);
    }
    let matchbot_user = r.env_first(&["MATCHBOT_DB_USER"]);
    let toolsdb_user = r.env_first(&["TOOL_TOOLSDB_USER"]);
    let env_password = r.env_first(&["MATCHBOT_DB_PASSWORD", "TOOL_TOOLSDB_PASSWORD"]);
    let from_env = matchbot_user.is_some() || toolsdb_user.is_some();
    let option_file = if from_env && env_password.is_some() {
        None
    } else {
        option_file(r, source)
    };
    let mut toolsdb = matchbot_user.is_none() && toolsdb_user.is_some();
    let user = match (matchbot_user.or(toolsdb_user), &option_file) {
        (Some(user), _) => Some(user),
        (None, Some(file)) => {
            toolsdb = true;
            Some(file.user.clone())
        }
        (None, None) => match r.lookup("dbinfo.username") {
            None => {
                r.problem(
                    "dbinfo.username",
                    "is missing (or set MATCHBOT_DB_USER or TOOL_TOOLSDB_USER, or name a \
                     replica.my.cnf in dbinfo.credentials_file)",
                );
                None
            }
            Some(_) => r.string("dbinfo.username"),
        },
    };
    let password = match (env_password, option_file) {
        (Some(p), _) => Secret::new(p),
        (None, Some(file)) => file.password,
        // An empty password is legitimate (a local MariaDB's root), so not `opt_string`.
        (None, None) => Secret::new(r.opt_secret_text("dbinfo.password").unwrap_or_default()),
    };
    let host = match r.env_first(&["MATCHBOT_DB_HOST"]) {
        Some(host) => Some(host),
        None if toolsdb && r.lookup("dbinfo.host").is_none() => Some(TOOLSDB_HOST.to_owned()),
        None => r.string("dbinfo.host"),
    };
    let name = match r.env_first(&["MATCHBOT_DB_NAME"]) {
        Some(name) => Some(name),
        None => match &user {
            Some(user) if toolsdb && r.lookup("dbinfo.dbname").is_none() => {
                Some(format!("{user}{TOOLSDB_SEPARATOR}matchbot"))
            }
            _ => r.string("dbinfo.dbname"),
        },
    };
    if let (Some(host), Some(user), Some(name)) = (&host, &user, &name)
        && host == TOOLSDB_HOST
        && !name.starts_with(&format!("{user}{TOOLSDB_SEPARATOR}"))
    {
        r.problem(
            "dbinfo.dbname",
            format!(
                "ToolsDB lets {user} use only databases named {user}__<name> (such as \
                 {user}__matchbot), not \"{name}\""
            ),
        );
    }
    let port = r.opt_u64("dbinfo.port").unwrap_or(u64::from(DEFAULT_PORT));
    let port = match u16::try_from(port) {
        Ok(p) if p > 0 => Some(p),
        _ => {
            r.problem("dbinfo.port", format!("{port} is not a TCP port"));
            None
        }
    };
    let connect_timeout = r
        .opt_seconds("dbinfo.connect_timeout_seconds")
        .map_or(DbConfig::DEFAULT_CONNECT_TIMEOUT, Duration::from_secs_f64);
    let query_timeout = r
        .opt_seconds("dbinfo.query_timeout_seconds")
        .map_or(DbConfig::DEFAULT_QUERY_TIMEOUT, Duration::from_secs_f64);
    Some(DbConfig {
        connect_timeout,
        query_timeout,
        host: host?,
        port: port?,
        name: name?,
        user: user?,
        password,
    })
}

/// The credentials of an option file: the one `dbinfo.credentials_file` names (relative to
/// the configuration's directory), or, when the file gives no `dbinfo.username`, a
/// `replica.my.cnf` in `$TOOL_DATA_DIR` or `$HOME` (where Toolforge puts it).
fn option_file(r: &mut Reader, source: &Path) -> Option<mycnf::Credentials> {
    const KEY: &str = "dbinfo.credentials_file";
    let (key, path) = match r.opt_string(KEY) {
        Some(named) => {
            let dir = source.parent().unwrap_or(Path::new("."));
            (KEY.to_owned(), dir.join(named))
        }
        None if r.lookup("dbinfo.username").is_none() => {
            let found = ["TOOL_DATA_DIR", "HOME"]
                .iter()
                .filter_map(|var| r.env(var).filter(|v| !v.is_empty()))
                .map(|dir| PathBuf::from(dir).join("replica.my.cnf"))
                .find(|path| path.is_file())?;
            ("replica.my.cnf".to_owned(), found)
        }
        None => return None,
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            r.problem(&key, format!("cannot read {}: {e}", path.display()));
            return None;
        }
    };
    match mycnf::parse(&text) {
        Ok(credentials) => Some(credentials),
        Err(what) => {
            r.problem(&key, format!("{} {what}", path.display()));
            None
        }
    }
}
