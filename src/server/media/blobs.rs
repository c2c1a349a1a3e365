//! Where attachment bytes live: the one small interface every storage backend implements.
//!
//! Today a local directory (`--uploads`, by default `uploads/` beside the database): files are
//! sharded by the first two hex digits of their id, `<dir>/ab/ab12…` and `<dir>/ab/ab12….thumb`.
//! Uploads arrive in `<dir>/incoming/` and are renamed into place only when complete and
//! processed, so a half-written file is never served; whatever is left in `incoming/` by a
//! crash is removed at start.
//!
//! With `--object-store-url`, kept files go to an S3-compatible bucket instead, under the same
//! names (`ab/ab12…`), so that nodes on several machines share them
//! (`server::media::object_store`). Uploads still arrive and are processed in the local `incoming/`.

use std::io;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::attachments::AttachmentId;
use crate::server::exports::records::ExportId;
use crate::server::media::object_store::{ObjectStore, ObjectStoreError};

/// One stored object: an attachment's file or thumbnail, or an export's archive.
#[derive(Debug, Clone, Copy)]
pub enum Blob<'a> {
    File(&'a AttachmentId),
    Thumb(&'a AttachmentId),
    /// A finished export (`server::exports`), by its id.
    Export(&'a ExportId),
}

impl Blob<'_> {
    /// The object's name, relative to the directory or bucket: `ab/ab12…[.thumb]`, or
    /// `exports/<id>.zip`.
    fn name(self) -> String {
        let (id, suffix) = match self {
            Blob::File(id) => (id, ""),
            Blob::Thumb(id) => (id, ".thumb"),
            Blob::Export(id) => return format!("exports/{id}.zip"),
        };
        let shard = &id.as_str()[..2];
        format!("{shard}/{id}{suffix}")
    }
}

/// Why a file could not be kept or removed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error(transparent)]
    Disk(#[from] io::Error),
    #[error(transparent)]
    ObjectStore(#[from] ObjectStoreError),
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    /// Uploads in progress (always local), and the kept files unless `bucket` is set.
    dir: PathBuf,
    bucket: Option<ObjectStore>,
}

impl BlobStore {
    /// Open (creating) the directory, and clear uploads a crash left half-done. Kept files go
    /// to `bucket` when there is one.
    pub fn open(dir: &Path, bucket: Option<ObjectStore>) -> io::Result<Self> {
        let incoming = dir.join("incoming");
        if incoming.exists() {
            std::fs::remove_dir_all(&incoming)?;
        }
        std::fs::create_dir_all(&incoming)?;
        Ok(Self { dir: dir.to_owned(), bucket })
    }

    /// Where an upload is written while it arrives and is processed.
    pub fn incoming(&self, id: &AttachmentId) -> PathBuf {
        self.dir.join("incoming").join(id.as_str())
    }

    fn path(&self, blob: Blob<'_>) -> PathBuf {
        self.dir.join(blob.name())
    }

    /// Keep a finished upload (and its thumbnail), durably: stored before this returns. The
    /// incoming file is gone afterwards, whether or not this succeeds.
    pub async fn keep(
        &self,
        id: &AttachmentId,
        incoming: &Path,
        thumb: Option<Vec<u8>>,
    ) -> Result<(), BlobError> {
        let Some(bucket) = &self.bucket else { return Ok(self.keep_on_disk(id, incoming, thumb).await?) };
        let kept = async {
            if let Some(thumb) = thumb {
                bucket.put_bytes(&Blob::Thumb(id).name(), thumb).await?;
            }
            bucket.put_file(&Blob::File(id).name(), incoming).await
        }
        .await;
        let _ = tokio::fs::remove_file(incoming).await;
        if kept.is_err() {
            // Not half a file: a thumbnail without its file would only take space.
            let _ = bucket.delete(&Blob::Thumb(id).name()).await;
        }
        Ok(kept?)
    }

    async fn keep_on_disk(
        &self,
        id: &AttachmentId,
        incoming: &Path,
        thumb: Option<Vec<u8>>,
    ) -> io::Result<()> {
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

    /// Where an export's archive is written while it is made (always local).
    pub fn incoming_export(&self, id: &ExportId) -> PathBuf {
        self.dir.join("incoming").join(format!("export-{id}.zip"))
    }

    /// Keep a finished archive, durably; the incoming file is gone afterwards either way.
    pub async fn keep_export(&self, id: &ExportId, incoming: &Path) -> Result<(), BlobError> {
        let name = Blob::Export(id).name();
        if let Some(bucket) = &self.bucket {
            let kept = bucket.put_file(&name, incoming).await;
            let _ = tokio::fs::remove_file(incoming).await;
            return Ok(kept?);
        }
        let target = self.dir.join(&name);
        let moved = async {
            if let Some(folder) = target.parent() {
                tokio::fs::create_dir_all(folder).await?;
            }
            tokio::fs::File::open(incoming).await?.sync_all().await?;
            tokio::fs::rename(incoming, &target).await
        }
        .await;
        if moved.is_err() {
            let _ = tokio::fs::remove_file(incoming).await;
        }
        Ok(moved?)
    }

    /// Remove an export's archive; a missing one is not an error.
    pub async fn delete_export(&self, id: &ExportId) -> Result<(), BlobError> {
        let blob = Blob::Export(id);
        if let Some(bucket) = &self.bucket {
            return Ok(bucket.delete(&blob.name()).await?);
        }
        match tokio::fs::remove_file(self.path(blob)).await {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }

    /// A local file holding the attachment's bytes, to read: the kept file itself on disk, or,
    /// with a bucket, the object fetched into `scratch` (the caller removes it).
    pub async fn local_copy(&self, id: &AttachmentId, scratch: &Path) -> Result<PathBuf, BlobError> {
        let blob = Blob::File(id);
        match &self.bucket {
            None => Ok(self.path(blob)),
            Some(bucket) => {
                bucket.get_file(&blob.name(), scratch).await?;
                Ok(scratch.to_owned())
            }
        }
    }

    /// Remove an attachment's file and thumbnail; missing ones are not an error.
    pub async fn delete(&self, id: &AttachmentId) -> Result<(), BlobError> {
        for blob in [Blob::File(id), Blob::Thumb(id)] {
            if let Some(bucket) = &self.bucket {
                bucket.delete(&blob.name()).await?;
                continue;
            }
            match tokio::fs::remove_file(self.path(blob)).await {
                Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Answer a `GET` for the object: ranges (video seeking), `If-None-Match`, `HEAD`. The
    /// caller sets the type and disposition.
    pub async fn serve(&self, blob: Blob<'_>, request: Request<Body>) -> Response {
        if let Some(bucket) = &self.bucket {
            return bucket.serve(&blob.name(), request.method(), request.headers()).await;
        }
        match ServeFile::new(self.path(blob)).oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(error) => match error {},
        }
        .into_response()
    }
}
