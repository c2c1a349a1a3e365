//! The zip file an export is written into. Writing is blocking file I/O and compression, so
//! each step runs on tokio's blocking pool with the writer handed over and back: the task
//! that reads the store never blocks a runtime thread, and memory holds one batch at a time.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("writing the archive: {0}")]
    Io(#[from] io::Error),
    #[error("writing the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the archive's writer stopped")]
    Gone,
}

/// An archive being written at a path, one entry after another.
pub struct Archive {
    writer: Option<ZipWriter<File>>,
}

impl Archive {
    /// Start an empty archive at `path` (replacing what is there).
    pub async fn create(path: PathBuf) -> Result<Self, ArchiveError> {
        let writer = tokio::task::spawn_blocking(move || File::create(path).map(ZipWriter::new))
            .await
            .map_err(|_| ArchiveError::Gone)??;
        Ok(Self { writer: Some(writer) })
    }

    async fn with<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut ZipWriter<File>) -> Result<T, ArchiveError> + Send + 'static,
    ) -> Result<T, ArchiveError> {
        let mut writer = self.writer.take().ok_or(ArchiveError::Gone)?;
        let (writer, done) = tokio::task::spawn_blocking(move || {
            let done = work(&mut writer);
            (writer, done)
        })
        .await
        .map_err(|_| ArchiveError::Gone)?;
        self.writer = Some(writer);
        done
    }

    /// Begin the entry `name`; what [`Archive::write`] adds goes into it until the next one.
    pub async fn start(&mut self, name: &str) -> Result<(), ArchiveError> {
        let name = name.to_owned();
        self.with(move |writer| Ok(writer.start_file(name, options())?)).await
    }

    /// Add `bytes` to the current entry.
    pub async fn write(&mut self, bytes: Vec<u8>) -> Result<(), ArchiveError> {
        self.with(move |writer| Ok(writer.write_all(&bytes)?)).await
    }

    /// The entry `name`, holding `bytes`.
    pub async fn entry(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), ArchiveError> {
        self.start(name).await?;
        self.write(bytes).await
    }

    /// The entry `name`, holding the file at `path` (copied through, not read whole).
    pub async fn file(&mut self, name: &str, path: &Path) -> Result<(), ArchiveError> {
        let (name, path) = (name.to_owned(), path.to_owned());
        self.with(move |writer| {
            let mut source = File::open(path)?;
            writer.start_file(name, options())?;
            io::copy(&mut source, writer)?;
            Ok(())
        })
        .await
    }

    /// Write the archive's directory and close it: its size in bytes.
    pub async fn finish(mut self) -> Result<u64, ArchiveError> {
        let writer = self.writer.take().ok_or(ArchiveError::Gone)?;
        tokio::task::spawn_blocking(move || {
            let file = writer.finish()?;
            file.sync_all()?;
            Ok(file.metadata()?.len())
        })
        .await
        .map_err(|_| ArchiveError::Gone)?
    }
}

/// Every entry deflated; dates are the archive's own business.
fn options() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[tokio::test]
    async fn entries_written_in_steps_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.zip");
        let source = dir.path().join("photo.bin");
        std::fs::write(&source, vec![7u8; 100_000]).unwrap();
        let mut archive = Archive::create(path.clone()).await.unwrap();
        archive.start("messages.json").await.unwrap();
        archive.write(b"[1,".to_vec()).await.unwrap();
        archive.write(b"2]".to_vec()).await.unwrap();
        archive.file("files/photo.bin", &source).await.unwrap();
        archive.entry("README.txt", b"hello".to_vec()).await.unwrap();
        let size = archive.finish().await.unwrap();
        assert_eq!(size, std::fs::metadata(&path).unwrap().len());

        let mut zip = zip::ZipArchive::new(File::open(&path).unwrap()).unwrap();
        let mut text = String::new();
        zip.by_name("messages.json").unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "[1,2]");
        let mut bytes = Vec::new();
        zip.by_name("files/photo.bin").unwrap().read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, vec![7u8; 100_000]);
        assert_eq!(zip.len(), 3);
    }
}
