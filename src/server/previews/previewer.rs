//! Making a message's link preview once it is stored: the first web link of each new message
//! is fetched (`fetcher`), its image made safe (`server::media::inspect::preview_image`) and
//! kept, and the preview handed to the sequencer as a change of the message.
//!
//! Why a task of its own, as Web Push and outgoing webhooks have: delivery must never wait on
//! someone else's web server. The sequencer hands over each committed message with a link with
//! a `try_send` into a bounded queue ([`PREVIEW_QUEUE`]; full: that message gets no preview,
//! and the log says so), on the node that committed it, so each message is fetched once however
//! many nodes there are. Nothing is fetched when the server (`--link-previews false`) or the
//! room has previews off, nor past the author's allowance ([`PREVIEWS_PER_MINUTE`]), nor for
//! bots' messages; at most [`MAX_FETCHES_AT_ONCE`] are made at once, each fetch bounded in
//! bytes and time by the fetcher.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{Semaphore, mpsc};

use crate::attachments::AttachmentId;
use crate::server::limits::rate_limit::Keyed;
use crate::server::media::blobs::BlobStore;
use crate::server::media::inspect;
use crate::server::previews::fetcher::{Fetcher, MAX_FETCHES_AT_ONCE};
use crate::server::previews::records::{Found, PreviewChange, StoredImage};
use crate::server::realtime::sequencer::{Change, PostReply, Sequencer, SequencerError};
use crate::server::storage::store::Store;

/// Linked messages waiting for their preview; beyond it they get none (and it is logged).
pub const PREVIEW_QUEUE: usize = 256;
/// Previews one person's messages may cause: a burst, then one every 6 seconds. More of their
/// links go without a card.
pub const PREVIEWS_PER_MINUTE: f64 = 10.0;
pub const PREVIEW_BURST: u32 = 10;

/// A committed message with a web link.
#[derive(Debug, Clone)]
pub struct Linked {
    pub room_id: RoomId,
    pub room: RoomName,
    pub seq: Seq,
    pub author_id: UserId,
    pub url: String,
}

/// The sequencer's end: hands linked messages over, never waiting.
#[derive(Debug, Clone)]
pub struct Previewer {
    /// `None`: previews are off on this server.
    queue: Option<mpsc::Sender<Linked>>,
}

/// What makes previews, started once the sequencer exists (it is where they go).
pub struct PreviewWorker {
    jobs: mpsc::Receiver<Linked>,
    fetcher: Fetcher,
    store: Store,
    blobs: BlobStore,
    per_person: Keyed<UserId>,
}

impl Previewer {
    /// The handle for the sequencer, and the worker to start beside it; `None` when the server
    /// has previews off.
    pub fn new(
        enabled: bool,
        fetcher: Fetcher,
        store: Store,
        blobs: BlobStore,
    ) -> (Self, Option<PreviewWorker>) {
        if !enabled {
            return (Self { queue: None }, None);
        }
        let (queue, jobs) = mpsc::channel(PREVIEW_QUEUE);
        let per_person = Keyed::new("previews", PREVIEWS_PER_MINUTE / 60.0, PREVIEW_BURST);
        (Self { queue: Some(queue) }, Some(PreviewWorker { jobs, fetcher, store, blobs, per_person }))
    }

    /// A message was committed with `url` its first web link.
    pub fn linked(&self, linked: Linked) {
        let Some(queue) = &self.queue else { return };
        if let Err(mpsc::error::TrySendError::Full(linked)) = queue.try_send(linked) {
            tracing::warn!(
                room = %linked.room,
                seq = %linked.seq,
                "preview queue full: the link gets no preview"
            );
        }
    }
}

impl PreviewWorker {
    /// Make previews until the sequencer stops (its end of the queue goes with it).
    pub fn start(self, sequencer: Sequencer) {
        let PreviewWorker { mut jobs, fetcher, store, blobs, per_person } = self;
        // As many previews in the making as fetches may run: past that the worker waits, the
        // queue fills, and further links go without (rather than piling up tasks).
        let making = Arc::new(Semaphore::new(MAX_FETCHES_AT_ONCE));
        tokio::spawn(async move {
            while let Some(linked) = jobs.recv().await {
                // In the order messages came: a room's setting and whether the message has had
                // its preview (an edit of one that has), then the author's allowance (a link
                // that gets no preview costs none).
                match store.wants_preview(linked.room_id, linked.seq).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "cannot read whether a message wants a preview");
                        continue;
                    }
                }
                if !per_person.try_take(&linked.author_id, Instant::now()) {
                    tracing::debug!(room = %linked.room, seq = %linked.seq, "preview allowance spent");
                    continue;
                }
                let Ok(turn) = Arc::clone(&making).acquire_owned().await else { return };
                let maker = Maker { fetcher: fetcher.clone(), blobs: blobs.clone() };
                let sequencer = sequencer.clone();
                tokio::spawn(async move {
                    maker.make(linked, &sequencer).await;
                    drop(turn);
                });
            }
        });
    }
}

/// Makes one preview.
struct Maker {
    fetcher: Fetcher,
    blobs: BlobStore,
}

impl Maker {
    async fn make(self, linked: Linked, sequencer: &Sequencer) {
        let meta = match self.fetcher.preview(&linked.url).await {
            Ok(meta) => meta,
            Err(error) => {
                return tracing::debug!(room = %linked.room, seq = %linked.seq, %error, "no preview");
            }
        };
        let image = if meta.image.is_empty() { None } else { self.keep_image(&meta.image).await };
        let kept = image.as_ref().map(|image| image.id.clone());
        let found = Found { url: linked.url.clone(), meta, image };
        let change = PreviewChange::found(linked.room_id, linked.room.clone(), linked.seq, found);
        let (done, outcome) = tokio::sync::oneshot::channel();
        let stored = match sequencer.write(Change::Preview(change), PostReply::Call(done)).await {
            Ok(()) => outcome.await.unwrap_or(Err(SequencerError::ShuttingDown)),
            Err(error) => Err(error),
        };
        // Refused (the message went, or its author removed the preview first): the sequencer
        // deletes the image with the commit. A write that never reached the store leaves it here.
        if let (Err(error), Some(id)) = (stored, kept)
            && !matches!(error, SequencerError::Refused(_))
        {
            let _ = self.blobs.delete(&id).await;
        }
    }

    /// Fetch, re-encode and keep the page's image; `None` if any of it fails (the card then
    /// shows without one).
    async fn keep_image(&self, url: &str) -> Option<StoredImage> {
        let bytes = match self.fetcher.image(url).await {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::debug!(%error, "no preview image");
                return None;
            }
        };
        let made = tokio::task::spawn_blocking(move || inspect::preview_image(&bytes)).await;
        let (encoded, mime, width, height) = match made {
            Ok(Ok(made)) => made,
            Ok(Err(error)) => {
                tracing::debug!(%error, "preview image refused");
                return None;
            }
            Err(error) => {
                tracing::warn!(%error, "preview image task failed");
                return None;
            }
        };
        let id = AttachmentId::random();
        let incoming = self.blobs.incoming(&id);
        if let Err(error) = tokio::fs::write(&incoming, &encoded).await {
            tracing::warn!(%error, "cannot write a preview image");
            return None;
        }
        if let Err(error) = self.blobs.keep(&id, &incoming, None).await {
            tracing::warn!(%error, "cannot keep a preview image");
            return None;
        }
        Some(StoredImage { id, mime, width, height })
    }
}
