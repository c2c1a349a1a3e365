//! Where attachment bytes live: the one small interface every storage backend implements.
//!
//! Today a local directory (`--uploads`, by default `uploads/` beside the database): files are
//! sharded by the first two hex digits of their id, `<dir>/ab/ab12…` and `<dir>/ab/ab12….thumb`.
//! Uploads arrive in `<dir>/incoming/` and are renamed into place only when complete and
//! processed, so a half-written file is never served; whatever is left in `incoming/` by a
//! crash is removed at start. An S3-compatible store for several nodes implements the same
//! operations.

use std::io;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::attachments::AttachmentId;

/// One of an attachment's stored objects.
#[derive(Debug, Clone, Copy)]
pub enum Blob<'a> {
    File(&'a AttachmentId),
    Thumb(&'a AttachmentId),
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Open (creating) the directory, and clear uploads a crash left half-done.
    pub fn open(dir: &Path) -> io::Result<Self> {
        let incoming = dir.join("incoming");
        if incoming.exists() {
            std::fs::remove_dir_all(&incoming)?;
        }
        std::fs::create_dir_all(&incoming)?;
        Ok(Self { dir: dir.to_owned() })
    }

    /// Where an upload is written while it arrives and is processed.
    pub fn incoming(&self, id: &AttachmentId) -> PathBuf {
        self.dir.join("incoming").join(id.as_str())
    }

    fn path(&self, blob: Blob<'_>) -> PathBuf {
        let (id, suffix) = match blob {
            Blob::File(id) => (id, ""),
            Blob::Thumb(id) => (id, ".thumb"),
        };
        let shard = &id.as_str()[..2];
        self.dir.join(shard).join(format!("{id}{suffix}"))
    }

    /// Keep a finished upload (and its thumbnail), durably: on disk before this returns.
    pub async fn keep(&self, id: &AttachmentId, incoming: &Path, thumb: Option<Vec<u8>>) -> io::Result<()> {
        let target = self.path(Blob::File(id));
        if let Some(shard) = target.parent() {
            tokio::fs::create_dir_all(shard).await?;
        }
        if let Some(thumb) = thumb {
            let path = self.path(Blob::Thumb(id));
            let file = tokio::fs::File::create(&path).await?;
            let mut file = tokio::io::BufWriter::new(file);
            tokio::io::AsyncWriteExt::write_all(&mut file, &thumb).await?;
            tokio::io::AsyncWriteExt::flush(&mut file).await?;
            file.into_inner().sync_all().await?;
        }
        tokio::fs::rename(incoming, &target).await?;
        // The renames themselves are durable once the directory is synced.
        if let Some(shard) = target.parent() {
            tokio::fs::File::open(shard).await?.sync_all().await?;
        }
        Ok(())
    }

    /// Remove an attachment's file and thumbnail; missing ones are not an error.
    pub async fn delete(&self, id: &AttachmentId) -> io::Result<()> {
        for blob in [Blob::File(id), Blob::Thumb(id)] {
            match tokio::fs::remove_file(self.path(blob)).await {
                Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether the object is stored.
    pub async fn exists(&self, blob: Blob<'_>) -> bool {
        tokio::fs::try_exists(self.path(blob)).await.unwrap_or(false)
    }

    /// Answer a `GET` for the object: ranges (video seeking), `If-None-Match`, `HEAD`. The
    /// caller sets the type and disposition.
    pub async fn serve(&self, blob: Blob<'_>, request: Request<Body>) -> Response {
        match ServeFile::new(self.path(blob)).oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(error) => match error {},
        }
        .into_response()
    }
}
