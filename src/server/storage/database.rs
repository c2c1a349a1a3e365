//! Which database the store runs on, and opening it: a pool with the schema brought up to date.
//!
//! Why two backends behind one pool type: SQLite is the default because Banter must run from a
//! clone with no other setup; PostgreSQL is for a community that outgrows one machine (several
//! nodes on one database). Both are reached through sqlx's `Any` driver, and every statement in
//! the store modules is written once in the SQL both understand (`$1` placeholders,
//! `ON CONFLICT`, `RETURNING`, `COALESCE`); the few places where the two differ (full-text
//! search, how a write transaction starts) branch on [`Backend`] next to each other.
//!
//! Each backend has its own embedded migrations (`migrations/sqlite`, `migrations/postgres`),
//! applied at start. On PostgreSQL sqlx's migrator holds an advisory lock while it runs, so
//! several nodes starting at once apply each migration exactly once.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyPool, Connection, Executor};

/// Connections in the pool: on SQLite one writer at a time plus readers; on PostgreSQL the
/// same per node, so a database's connection limit divided by eight is how many nodes it serves.
pub const POOL_CONNECTIONS: u32 = 8;
/// How long a statement waits on a locked database before failing with "busy", by default.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The newest SQLite migration this binary knows: a backup of a newer schema is refused.
pub fn latest_sqlite_migration() -> i64 {
    SQLITE_MIGRATIONS.iter().map(|migration| migration.version).max().unwrap_or_default()
}

/// The database engine behind a [`Database`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The engine a connection (or a transaction, through `Deref`) talks to.
    pub fn of(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Where the store lives: a SQLite file (`--db`, or `--database-url sqlite://…`) or a
/// PostgreSQL database (`--database-url postgres://…`).
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("unsupported database URL {0:?}: expected sqlite://PATH or postgres://USER@HOST/NAME")]
    UnsupportedUrl(String),
    #[error("cannot open the database {database}: {source}")]
    Open { database: String, source: sqlx::Error },
    #[error("cannot migrate the database {database}: {source}")]
    Migrate { database: String, source: sqlx::migrate::MigrateError },
}

impl FromStr for Database {
    type Err = DatabaseError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or_default();
            if !path.is_empty() {
                return Ok(Database::Sqlite(PathBuf::from(path)));
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        Err(DatabaseError::UnsupportedUrl(redact(url)))
    }
}

/// Shown in logs and errors: a PostgreSQL URL without its password.
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Database {
    pub fn backend(&self) -> Backend {
        match self {
            Database::Sqlite(_) => Backend::Sqlite,
            Database::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite file, if this is one (uploads default to a directory beside it).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(path) => Some(path),
            Database::Postgres(_) => None,
        }
    }

    /// A pool on this database with its schema up to date. On SQLite the file (and its
    /// directory) is created if missing.
    pub async fn open(&self, busy_timeout: Duration) -> Result<AnyPool, DatabaseError> {
        install_default_drivers();
        let open_error = |source| DatabaseError::Open { database: self.to_string(), source };
        let (pool, migrator) = match self {
            Database::Sqlite(path) => {
                (open_sqlite(path, busy_timeout).await.map_err(open_error)?, &SQLITE_MIGRATIONS)
            }
            Database::Postgres(url) => (
                AnyPoolOptions::new()
                    .max_connections(POOL_CONNECTIONS)
                    .acquire_timeout(busy_timeout.max(BUSY_TIMEOUT))
                    // No JIT compilation: Banter's statements read a few rows each, and the
                    // planner's estimate for a search that asks the word index block by block
                    // crossed `jit_above_cost`, so compiling it took 20–60 ms to run a 2 ms
                    // query (docs/benchmarks.md, "Cost curves").
                    .after_connect(|conn, _meta| {
                        Box::pin(async move { conn.execute("SET jit = off").await.map(drop) })
                    })
                    .connect(url)
                    .await
                    .map_err(open_error)?,
                &POSTGRES_MIGRATIONS,
            ),
        };
        migrator
            .run(&pool)
            .await
            .map_err(|source| DatabaseError::Migrate { database: self.to_string(), source })?;
        Ok(pool)
    }
}

/// The SQLite file opened for Banter: created if missing, in WAL mode (readers beside the one
/// writer), `synchronous = FULL` (an acknowledged message is on disk), foreign keys on, and
/// writers waiting up to `busy_timeout` for the lock.
async fn open_sqlite(path: &Path, busy_timeout: Duration) -> Result<AnyPool, sqlx::Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
    }
    // WAL is a property of the file: set once here, with sqlx's own SQLite options, it holds
    // for every connection the pool opens later.
    let create = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    sqlx::SqliteConnection::connect_with(&create).await?.close().await?;
    let timeout_ms = busy_timeout.as_millis();
    let url = format!("sqlite://{}", percent_encode_path(path));
    AnyPoolOptions::new()
        .max_connections(POOL_CONNECTIONS)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    format!(
                        "PRAGMA busy_timeout = {timeout_ms}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON"
                    )
                    .as_str(),
                )
                .await?;
                Ok(())
            })
        })
        .connect(&url)
        .await
}

/// The path as it goes into a `sqlite://` URL: `%`, `?` and `#` would otherwise end or change it.
fn percent_encode_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// `url` with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(
            "sqlite://data/banter.db".parse::<Database>().expect("parsed"),
            Database::Sqlite(PathBuf::from("data/banter.db"))
        );
        assert_eq!(
            "sqlite:/var/lib/banter.db?mode=rwc".parse::<Database>().expect("parsed"),
            Database::Sqlite(PathBuf::from("/var/lib/banter.db"))
        );
        let pg = "postgres://banter:secret@db.example:5432/banter".parse::<Database>().expect("parsed");
        assert_eq!(pg.backend(), Backend::Postgres);
        assert!(matches!("mysql://x/y".parse::<Database>(), Err(DatabaseError::UnsupportedUrl(_))));
        assert!(matches!("sqlite://".parse::<Database>(), Err(DatabaseError::UnsupportedUrl(_))));
    }

    #[test]
    fn passwords_stay_out_of_logs() {
        let pg = "postgres://banter:secret@db.example/banter".parse::<Database>().expect("parsed");
        assert_eq!(pg.to_string(), "postgres://banter:***@db.example/banter");
        assert!(!format!("{pg:?}").contains("secret"));
        let error = "mysql://root:hunter2@x/y".parse::<Database>().expect_err("refused");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[tokio::test]
    async fn a_sqlite_file_is_created_in_wal_mode_with_its_schema() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("odd ?#% name").join("banter.db");
        let pool = Database::Sqlite(path.clone()).open(BUSY_TIMEOUT).await.expect("opened");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await.expect("mode");
        assert_eq!(mode, "wal");
        let rooms: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM rooms").fetch_one(&pool).await.expect("rooms");
        assert_eq!(rooms, 1, "the general room");
        assert!(path.exists());
    }
}
