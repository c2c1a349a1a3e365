//! Link previews in the store: adding one (the server, once it has fetched the page) and
//! removing one (the message's author), and reading them back for pages, replays and the image
//! route.
//!
//! A preview is a change to its message like a pin: applied inside the sequencer's
//! transaction, taking the room's next `seq` as an event (`message_events`, kind
//! [`PREVIEW_EVENT`]), so a client that was away learns of it exactly once on resume, on any
//! node. The server's own event has no actor and the client id `preview-<seq>`, so a message
//! gets at most one preview however often it is asked for. A removal leaves its row behind
//! (`removed_at`), so a fetch that finishes after it is refused rather than shown.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::attachments::AttachmentId;
use crate::model::{LinkPreview, PREVIEW_IMAGES_PATH, PreviewImage};
use crate::protocol::ServerFrame;
use crate::server::messages::history::{Refusal, Stored};
use crate::server::previews::page_meta::PageMeta;
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// `message_events.kind` of a preview added or removed.
pub const PREVIEW_EVENT: &str = "preview";

/// A change to a message's link preview.
#[derive(Debug, Clone)]
pub struct PreviewChange {
    pub room_id: RoomId,
    pub room: RoomName,
    /// What the change is acknowledged and made once by: the author's, for a removal; the
    /// server's own `preview-<target>` for a preview it found.
    pub client_id: String,
    pub target: Seq,
    pub action: PreviewAction,
}

#[derive(Debug, Clone)]
pub enum PreviewAction {
    /// The server fetched the message's first link: show what the page said.
    Found(Box<Found>),
    /// The message's author takes its preview away.
    Remove { actor_id: UserId },
}

/// What a fetch found, its image already stored.
#[derive(Debug, Clone)]
pub struct Found {
    pub url: String,
    pub meta: PageMeta,
    pub image: Option<StoredImage>,
}

/// A preview's image among the stored files (`server::media::blobs`, as a file of its own id).
#[derive(Debug, Clone)]
pub struct StoredImage {
    pub id: AttachmentId,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
}

impl PreviewChange {
    /// The preview the server found for message `target`.
    pub fn found(room_id: RoomId, room: RoomName, target: Seq, found: Found) -> Self {
        let client_id = format!("preview-{target}");
        Self { room_id, room, client_id, target, action: PreviewAction::Found(Box::new(found)) }
    }
}

/// The columns of a preview, as [`preview_from_row`] reads them (`p` is `link_previews`): a
/// macro, so that the message history's column list can include it with `concat!`.
macro_rules! preview_columns {
    () => {
        "p.url AS preview_url, p.title AS preview_title, p.description AS preview_description,
         p.site_name AS preview_site, p.image_id AS preview_image, p.image_width AS preview_width,
         p.image_height AS preview_height"
    };
}
pub(crate) use preview_columns;
const PREVIEW_COLUMNS: &str = preview_columns!();

/// The preview in a row that selected [`PREVIEW_COLUMNS`] from a `LEFT JOIN` of shown
/// previews (`removed_at IS NULL`); `None` when there is none.
pub(crate) fn preview_from_row(row: &AnyRow) -> Result<Option<LinkPreview>, sqlx::Error> {
    let Some(url) = row.try_get::<Option<String>, _>("preview_url")? else { return Ok(None) };
    let image = match row.try_get::<Option<String>, _>("preview_image")? {
        Some(id) => Some(image_at(
            &id,
            u32::try_from(row.try_get::<Option<i64>, _>("preview_width")?.unwrap_or(0)).unwrap_or(0),
            u32::try_from(row.try_get::<Option<i64>, _>("preview_height")?.unwrap_or(0)).unwrap_or(0),
        )),
        None => None,
    };
    Ok(Some(LinkPreview {
        url,
        title: row.try_get::<Option<String>, _>("preview_title")?.unwrap_or_default(),
        description: row.try_get::<Option<String>, _>("preview_description")?.unwrap_or_default(),
        site_name: row.try_get::<Option<String>, _>("preview_site")?.unwrap_or_default(),
        image,
    }))
}

/// A stored preview image as a page shows it: served at [`PREVIEW_IMAGES_PATH`]`/<id>`.
fn image_at(id: &str, width: u32, height: u32) -> PreviewImage {
    PreviewImage { path: format!("{PREVIEW_IMAGES_PATH}/{id}"), width, height }
}

impl Store {
    /// Apply a preview change at `seq` inside `tx`. Also returns the stored images no longer
    /// wanted (a refused preview's own, a removed one's), to delete once the commit is done.
    pub(crate) async fn preview(
        tx: &mut WriteTx,
        change: &PreviewChange,
        seq: Seq,
        ts: i64,
    ) -> Result<(Stored, Vec<AttachmentId>), StoreError> {
        match &change.action {
            PreviewAction::Found(found) => Store::add_preview(tx, change, found, seq, ts).await,
            PreviewAction::Remove { actor_id } => Store::remove_preview(tx, change, *actor_id, seq, ts).await,
        }
    }

    async fn add_preview(
        tx: &mut WriteTx,
        change: &PreviewChange,
        found: &Found,
        seq: Seq,
        ts: i64,
    ) -> Result<(Stored, Vec<AttachmentId>), StoreError> {
        let unwanted = || found.image.iter().map(|image| image.id.clone()).collect::<Vec<_>>();
        if Store::target(tx, change.room_id, change.target).await?.is_none() {
            return Ok((Stored::Refused(Refusal::NoSuchMessage), unwanted()));
        }
        // Once per message: one is there already, or its author removed it first.
        let there: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM link_previews WHERE room_id = $1 AND seq = $2")
                .bind(change.room_id)
                .bind(change.target)
                .fetch_optional(&mut **tx)
                .await?;
        if there.is_some() {
            return Ok((Stored::Refused(Refusal::NoSuchMessage), unwanted()));
        }
        let image = found.image.as_ref();
        sqlx::query(
            "INSERT INTO link_previews (room_id, seq, url, title, description, site_name, image_id, image_mime,
                 image_width, image_height, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(change.room_id)
        .bind(change.target)
        .bind(&found.url)
        .bind(&found.meta.title)
        .bind(&found.meta.description)
        .bind(&found.meta.site_name)
        .bind(image.map(|image| image.id.as_str().to_owned()))
        .bind(image.map(|image| image.mime))
        .bind(image.map(|image| i64::from(image.width)))
        .bind(image.map(|image| i64::from(image.height)))
        .bind(ts)
        .execute(&mut **tx)
        .await?;
        Store::record_event_by(
            tx,
            change.room_id,
            seq,
            change.target,
            PREVIEW_EVENT,
            None,
            &change.client_id,
            ts,
        )
        .await?;
        let preview = LinkPreview {
            url: found.url.clone(),
            title: found.meta.title.clone(),
            description: found.meta.description.clone(),
            site_name: found.meta.site_name.clone(),
            image: image.map(|image| image_at(image.id.as_str(), image.width, image.height)),
        };
        let frame = ServerFrame::Preview {
            room: change.room.clone(),
            seq,
            target: change.target,
            preview: Some(preview),
        };
        Ok((Stored::Changed(frame), Vec::new()))
    }

    async fn remove_preview(
        tx: &mut WriteTx,
        change: &PreviewChange,
        actor_id: UserId,
        seq: Seq,
        ts: i64,
    ) -> Result<(Stored, Vec<AttachmentId>), StoreError> {
        if let Some(seq) = Store::applied(tx, change.room_id, actor_id, &change.client_id).await? {
            return Ok((Stored::Duplicate { seq }, Vec::new()));
        }
        let Some(target) = Store::target(tx, change.room_id, change.target).await? else {
            return Ok((Stored::Refused(Refusal::NoSuchMessage), Vec::new()));
        };
        if target.author_id != Some(actor_id) {
            return Ok((Stored::Refused(Refusal::NotYours), Vec::new()));
        }
        let row =
            sqlx::query("SELECT image_id, removed_at FROM link_previews WHERE room_id = $1 AND seq = $2")
                .bind(change.room_id)
                .bind(change.target)
                .fetch_optional(&mut **tx)
                .await?;
        let mut gone = Vec::new();
        match row {
            Some(row) if row.try_get::<Option<i64>, _>("removed_at")?.is_some() => {
                return Ok((Stored::Refused(Refusal::NoSuchMessage), Vec::new()));
            }
            Some(row) => {
                let image: Option<String> = row.try_get("image_id")?;
                gone.extend(image.and_then(|id| AttachmentId::try_from(id).ok()));
                sqlx::query(
                    "UPDATE link_previews SET title = '', description = '', site_name = '', image_id = NULL,
                         image_mime = NULL, image_width = NULL, image_height = NULL, removed_at = $1
                     WHERE room_id = $2 AND seq = $3",
                )
                .bind(ts)
                .bind(change.room_id)
                .bind(change.target)
                .execute(&mut **tx)
                .await?;
            }
            // Not fetched yet: the fetch that finishes later finds it removed.
            None => {
                sqlx::query(
                    "INSERT INTO link_previews (room_id, seq, url, created_at, removed_at) VALUES ($1, $2, '', $3, $4)",
                )
                .bind(change.room_id)
                .bind(change.target)
                .bind(ts)
                .bind(ts)
                .execute(&mut **tx)
                .await?;
            }
        }
        Store::record_event_by(
            tx,
            change.room_id,
            seq,
            change.target,
            PREVIEW_EVENT,
            Some(actor_id),
            &change.client_id,
            ts,
        )
        .await?;
        let frame =
            ServerFrame::Preview { room: change.room.clone(), seq, target: change.target, preview: None };
        Ok((Stored::Changed(frame), gone))
    }

    /// A deleted message's preview goes with it: its image, to delete once the commit is done.
    pub(crate) async fn forget_preview(
        tx: &mut WriteTx,
        room_id: RoomId,
        target: Seq,
    ) -> Result<Option<AttachmentId>, StoreError> {
        let image: Option<Option<String>> =
            sqlx::query_scalar("SELECT image_id FROM link_previews WHERE room_id = $1 AND seq = $2")
                .bind(room_id)
                .bind(target)
                .fetch_optional(&mut **tx)
                .await?;
        sqlx::query("DELETE FROM link_previews WHERE room_id = $1 AND seq = $2")
            .bind(room_id)
            .bind(target)
            .execute(&mut **tx)
            .await?;
        Ok(image.flatten().and_then(|id| AttachmentId::try_from(id).ok()))
    }

    /// The shown previews of the room's messages `first..=last`, by message.
    pub async fn previews_between(
        &self,
        room_id: RoomId,
        first: Seq,
        last: Seq,
    ) -> Result<Vec<(Seq, LinkPreview)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT p.seq, {PREVIEW_COLUMNS} FROM link_previews p
             WHERE p.room_id = $1 AND p.seq >= $2 AND p.seq <= $3 AND p.removed_at IS NULL"
        ))
        .bind(room_id)
        .bind(first)
        .bind(last)
        .fetch_all(self.pool())
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(preview) = preview_from_row(row)? {
                found.push((row.try_get("seq")?, preview));
            }
        }
        Ok(found)
    }

    /// The room and type of preview image `id`, if it is one that is shown.
    pub async fn preview_image(&self, id: &AttachmentId) -> Result<Option<(RoomId, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT room_id, image_mime FROM link_previews WHERE image_id = $1 AND removed_at IS NULL",
        )
        .bind(id.as_str())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mime: Option<String> = row.try_get("image_mime")?;
        Ok(Some((row.try_get("room_id")?, mime.unwrap_or_else(|| "image/jpeg".to_owned()))))
    }

    /// Whether message `seq` should get a preview: its room shows them, and it has had none
    /// (nor had one removed).
    pub async fn wants_preview(&self, room_id: RoomId, seq: Seq) -> Result<bool, StoreError> {
        let had: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM link_previews WHERE room_id = $1 AND seq = $2")
                .bind(room_id)
                .bind(seq)
                .fetch_optional(self.pool())
                .await?;
        Ok(had.is_none() && self.previews_on(room_id).await?)
    }

    /// Whether the room shows link previews (its moderators may turn them off).
    pub async fn previews_on(&self, room_id: RoomId) -> Result<bool, StoreError> {
        let on: Option<i64> = sqlx::query_scalar("SELECT link_previews FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(on.unwrap_or(0) != 0)
    }

    /// Turn the room's link previews on or off (for messages sent from now on).
    pub async fn set_previews_on(&self, room_id: RoomId, on: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE rooms SET link_previews = $1 WHERE id = $2")
            .bind(i64::from(on))
            .bind(room_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
