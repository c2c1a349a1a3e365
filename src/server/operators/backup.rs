//! `banter backup --to DIR` and `banter restore --from DIR`: a consistent copy of a running
//! server, and a server made from one.
//!
//! Why SQLite's `VACUUM INTO`: it copies the database as of one moment (a read transaction),
//! while the server goes on writing, so every row of the copy is from that moment and each
//! room's sequence in it is gap-free; the VAPID key is in the database, so it comes along. The
//! attachments directory is copied after it — files are only ever added under new names or
//! removed, so the copy holds every file the database copy names (a file sent after the moment
//! is extra and harmless). A manifest records when, the schema version, counts and a SHA-256
//! of every file; restoring checks every one, refuses a schema newer than the binary knows,
//! and writes only into an empty place. PostgreSQL has `pg_dump`/`pg_restore` for this, and
//! attachments in an object store are the bucket's to back up: both are refused with a
//! sentence saying so (README, "Backups").

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Row, SqliteConnection};

use crate::server::config::Config;

/// The manifest's own format; a restore refuses another.
pub const MANIFEST_FORMAT: u32 = 1;
/// The database copy's name inside a backup.
const DATABASE_FILE: &str = "banter.db";
/// The attachments' folder inside a backup.
const ATTACHMENTS_DIR: &str = "attachments";
const MANIFEST_FILE: &str = "manifest.json";
/// Uploads still arriving (`server::media::blobs`): not part of what is kept.
const INCOMING_DIR: &str = "incoming";

/// What a backup holds, written beside it as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// When it was taken (ms since the Unix epoch).
    pub taken_at: i64,
    /// The newest migration applied to the database copied.
    pub schema_version: i64,
    pub users: i64,
    pub rooms: i64,
    pub messages: i64,
    /// Every file, relative to the backup, with its size and SHA-256 (hex).
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The SQLite file `config` names; PostgreSQL is refused with what to use instead.
fn sqlite_file(config: &Config) -> anyhow::Result<PathBuf> {
    let database = config.database();
    let Some(path) = database.sqlite_path() else {
        bail!(
            "this server's database is PostgreSQL: back it up with pg_dump -Fc and restore it with \
             pg_restore (README, \"Backups\")"
        );
    };
    if config.object_store_url.is_some() {
        bail!("attachments are in an object store: back up its bucket with the store's own tools");
    }
    Ok(path.to_owned())
}

/// Take a backup of the server `config` describes into `to`, which must not exist or be empty.
pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<Manifest> {
    let source = sqlite_file(config)?;
    if !source.exists() {
        bail!("there is no database at {}", source.display());
    }
    make_empty_dir(to)?;
    let copy = to.join(DATABASE_FILE);
    let mut conn =
        SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(&source))
            .await
            .with_context(|| format!("cannot open {}", source.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(copy.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .context("cannot copy the database")?;
    conn.close().await?;
    let attachments = config.uploads_dir();
    let mut files = vec![entry(to, &copy)?];
    if attachments.exists() {
        copy_tree(&attachments, &to.join(ATTACHMENTS_DIR), true)?;
        files.extend(entries_under(to, &to.join(ATTACHMENTS_DIR))?);
    }
    let (schema_version, users, rooms, messages) = describe(&copy).await?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        taken_at: crate::model::now_ms(),
        schema_version,
        users,
        rooms,
        messages,
        files,
    };
    std::fs::write(to.join(MANIFEST_FILE), serde_json::to_vec_pretty(&manifest)?)?;
    tracing::info!(to = %to.display(), messages, files = manifest.files.len(), "backup taken");
    Ok(manifest)
}

/// Make the server `config` describes from the backup in `from`: its database file must not
/// exist yet and its attachments directory must be empty. Sessions of people are dropped
/// (everyone signs in again) unless `keep_sessions`; bots' tokens are kept.
pub async fn restore(config: &Config, from: &Path, keep_sessions: bool) -> anyhow::Result<Manifest> {
    let target = sqlite_file(config)?;
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(from.join(MANIFEST_FILE))
            .with_context(|| format!("{} holds no backup (no {MANIFEST_FILE})", from.display()))?,
    )
    .context("the backup's manifest cannot be read")?;
    if manifest.format != MANIFEST_FORMAT {
        bail!("the backup's manifest is of format {}, this binary reads {MANIFEST_FORMAT}", manifest.format);
    }
    let known = crate::server::storage::database::latest_sqlite_migration();
    if manifest.schema_version > known {
        bail!(
            "the backup's schema ({}) is newer than this binary's ({known}): restore it with the \
             version of banter that took it, or a newer one",
            manifest.schema_version
        );
    }
    for file in &manifest.files {
        let inside =
            Path::new(&file.path).components().all(|part| matches!(part, std::path::Component::Normal(_)));
        if !inside {
            bail!("the backup's manifest names a file outside it: {}", file.path);
        }
        let found = entry(from, &from.join(&file.path))
            .with_context(|| format!("the backup is missing {}", file.path))?;
        if found != *file {
            bail!("the backup is corrupted: {} does not match its checksum", file.path);
        }
    }
    if target.exists() {
        bail!("{} exists: restore into a place with no database", target.display());
    }
    let attachments = config.uploads_dir();
    if attachments.exists() && std::fs::read_dir(&attachments)?.next().is_some() {
        bail!("{} is not empty: restore into an empty attachments directory", attachments.display());
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(from.join(DATABASE_FILE), &target)?;
    if from.join(ATTACHMENTS_DIR).exists() {
        copy_tree(&from.join(ATTACHMENTS_DIR), &attachments, false)?;
    }
    if !keep_sessions {
        let mut conn =
            SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(&target))
                .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE bot_owner_id IS NULL)",
        )
        .execute(&mut conn)
        .await?;
        conn.close().await?;
    }
    tracing::info!(from = %from.display(), messages = manifest.messages, "backup restored");
    Ok(manifest)
}

/// The copy's schema version and what it holds.
async fn describe(copy: &Path) -> anyhow::Result<(i64, i64, i64, i64)> {
    let mut conn = SqliteConnection::connect_with(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(copy).read_only(true),
    )
    .await?;
    let row = sqlx::query(
        "SELECT (SELECT MAX(version) FROM _sqlx_migrations WHERE success) AS schema_version,
                (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM rooms) AS rooms,
                (SELECT COUNT(*) FROM messages) AS messages",
    )
    .fetch_one(&mut conn)
    .await?;
    let described = (
        row.try_get("schema_version")?,
        row.try_get("users")?,
        row.try_get("rooms")?,
        row.try_get("messages")?,
    );
    conn.close().await?;
    Ok(described)
}

/// `dir`, made if missing; an error if it holds anything.
fn make_empty_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot make {}", dir.display()))?;
    if std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} is not empty: back up into a new directory", dir.display());
    }
    Ok(())
}

/// Copy the files under `from` into `to` (made as needed), leaving out uploads still arriving
/// when `skip_incoming`.
fn copy_tree(from: &Path, to: &Path, skip_incoming: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for item in std::fs::read_dir(from)? {
        let item = item?;
        let name = item.file_name();
        if skip_incoming && name == INCOMING_DIR {
            continue;
        }
        let kind = item.file_type()?;
        if kind.is_dir() {
            copy_tree(&item.path(), &to.join(&name), false)?;
        } else if kind.is_file() {
            std::fs::copy(item.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Every file under `dir`, as manifest entries relative to `root`, in a stable order.
fn entries_under(root: &Path, dir: &Path) -> anyhow::Result<Vec<FileEntry>> {
    let mut found = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let path = item?.path();
        if path.is_dir() {
            found.extend(entries_under(root, &path)?);
        } else {
            found.push(entry(root, &path)?);
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// `path` (under `root`) as a manifest entry: its size and SHA-256, read as a stream.
fn entry(root: &Path, path: &Path) -> anyhow::Result<FileEntry> {
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    let relative = path.strip_prefix(root).unwrap_or(path).to_string_lossy().into_owned();
    let sha256: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(FileEntry { path: relative, bytes, sha256 })
}
