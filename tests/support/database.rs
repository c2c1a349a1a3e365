//! A fresh database per test: a SQLite file in a temporary folder, or, when
//! `BANTER_TEST_POSTGRES` names a PostgreSQL server, a new database on it, dropped with the
//! test. The folder also holds the uploads (or names the bucket) of a server on it.

use banter::server::storage::database::Database;

use super::object_store::Storage;

/// Names the PostgreSQL server (a URL whose role may create databases) the suite runs on.
pub const POSTGRES_ENV: &str = "BANTER_TEST_POSTGRES";

/// The template every test's PostgreSQL database is copied from (its name), made once per run.
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// A database with Banter's schema and nothing else, named by a hash of the migrations that
/// made it: made (and older ones dropped) when the migrations change, otherwise the one the last
/// run left. Copying it is cheaper than running every migration in every test's database: the
/// suite's PostgreSQL run took 205 s instead of 217 s (2026-12-07).
async fn migrated_template(admin: &str) -> String {
    use sha2::{Digest, Sha256};
    use sqlx::Connection;
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("the PostgreSQL migrations")
        .map(|entry| entry.expect("a migration").path())
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    for file in &files {
        hash.update(file.file_name().expect("a file").as_encoded_bytes());
        hash.update(std::fs::read(file).expect("a migration's text"));
    }
    let digest = hash.finalize();
    let name =
        format!("banter_template_{}", digest[..8].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("the test PostgreSQL server answers");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut conn)
        .await
        .expect("pg_database read");
    if !exists {
        // Made under another name and renamed when complete: a run stopped halfway leaves no
        // template that lacks part of the schema.
        let building = format!("banter_template_building_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {building}"))
            .execute(&mut conn)
            .await
            .expect("template created");
        let url = database_url(admin, &building);
        let database: Database = url.parse().expect("a PostgreSQL URL");
        let pool = database.open(std::time::Duration::from_secs(30)).await.expect("template migrated");
        pool.close().await;
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'banter\\_template\\_%' AND datname <> $1",
        )
        .bind(&building)
        .fetch_all(&mut conn)
        .await
        .expect("pg_database read");
        for old in stale {
            sqlx::query(&format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .expect("an old template dropped");
        }
        sqlx::query(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(&mut conn)
            .await
            .expect("template named");
    }
    conn.close().await.expect("closed");
    name
}

/// The URL of database `name` on the server `admin` names.
fn database_url(admin: &str, name: &str) -> String {
    let (server, _) = admin.rsplit_once('/').expect("a URL ending in /DATABASE");
    format!("{server}/{name}")
}

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
        let template = TEMPLATE.get_or_init(|| migrated_template(&admin)).await;
        let name = format!("banter_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("the test PostgreSQL server answers");
        sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut conn)
            .await
            .expect("database created");
        conn.close().await.expect("closed");
        let url = database_url(&admin, &name);
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
