//! A fresh database per test: a SQLite file in a temporary folder, or, when
//! `BANTER_TEST_POSTGRES` names a PostgreSQL server, a new database on it, dropped with the
//! test. The folder also holds the uploads (or names the bucket) of a server on it.

use banter::server::storage::database::Database;

use super::object_store::Storage;

/// Names the PostgreSQL server (a URL whose role may create databases) the suite runs on.
pub const POSTGRES_ENV: &str = "BANTER_TEST_POSTGRES";

/// A database for one test: dropped with it when it is a PostgreSQL one.
pub struct FreshDatabase {
    pub database: Database,
    /// Holds the SQLite file (and the uploads of a server on this database).
    pub dir: tempfile::TempDir,
    /// The server's URL and the database's name, to drop it afterwards.
    postgres: Option<(String, String)>,
    /// Where a server on this database keeps attachments.
    storage: Storage,
}

impl FreshDatabase {
    /// A SQLite file, or a new PostgreSQL database when [`POSTGRES_ENV`] is set.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::new(dir.path()).await;
        let Ok(admin) = std::env::var(POSTGRES_ENV) else {
            return Self {
                database: Database::Sqlite(dir.path().join("banter.db")),
                dir,
                postgres: None,
                storage,
            };
        };
        use sqlx::Connection;
        let name = format!("banter_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("the test PostgreSQL server answers");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("database created");
        conn.close().await.expect("closed");
        let (server, _) = admin.rsplit_once('/').expect("a URL ending in /DATABASE");
        let url = format!("{server}/{name}");
        Self {
            database: url.parse().expect("a PostgreSQL URL"),
            dir,
            postgres: Some((admin.clone(), name)),
            storage,
        }
    }

    /// Only SQLite: for the tests of what is particular to it (a locked file, a path).
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage { dir: dir.path().join("uploads"), bucket: None };
        Self { database: Database::Sqlite(dir.path().join("banter.db")), dir, postgres: None, storage }
    }

    /// Where a server on this database keeps attachments.
    pub fn storage(&self) -> Storage {
        self.storage.clone()
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else { return };
        // Drop runs outside async: a thread of its own with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop a test database: {error}");
        }
    }
}
