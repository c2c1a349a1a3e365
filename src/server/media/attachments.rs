//! Attachments in the store: uploads waiting for a message, claiming them for one (inside the
//! sequencer's transaction), listing them with history, finding one to serve, and sweeping
//! the ones never sent.

use crate::ids::{RoomId, Seq, UserId};
use sqlx::Row;

use crate::attachments::{Attachment, AttachmentId, AttachmentKind};
use crate::server::storage::store::{Store, StoreError};

/// An upload as stored once its bytes are kept.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub id: AttachmentId,
    pub uploader_id: UserId,
    pub name: String,
    pub mime: String,
    pub kind: AttachmentKind,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumb_mime: Option<String>,
}

/// What serving a file needs to know, including who may see it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub attachment: Attachment,
    pub uploader_id: UserId,
    /// The room of its message; `None` while it waits to be sent.
    pub room_id: Option<RoomId>,
    pub thumb_mime: Option<String>,
}

const COLUMNS: &str = "id, name, mime, kind, size, width, height, thumb_mime";

/// One row of [`COLUMNS`]; `None` for an id that is not one (never written so, but not trusted).
fn attachment_from(row: &sqlx::any::AnyRow) -> Result<Option<Attachment>, sqlx::Error> {
    let Ok(id) = AttachmentId::try_from(row.try_get::<String, _>("id")?) else { return Ok(None) };
    let thumb: Option<String> = row.try_get("thumb_mime")?;
    let dimension = |column: &str| -> Result<Option<u32>, sqlx::Error> {
        Ok(row.try_get::<Option<i64>, _>(column)?.and_then(|v| u32::try_from(v).ok()))
    };
    Ok(Some(Attachment::new(
        id,
        row.try_get("name")?,
        row.try_get("mime")?,
        AttachmentKind::parse(row.try_get("kind")?),
        u64::try_from(row.try_get::<i64, _>("size")?).unwrap_or(0),
        dimension("width")?,
        dimension("height")?,
        thumb.is_some(),
    )))
}

impl Store {
    pub async fn add_upload(&self, upload: &NewUpload, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO attachments
                 (id, uploader_id, name, mime, kind, size, width, height, thumb_mime, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(upload.id.as_str())
        .bind(upload.uploader_id)
        .bind(&upload.name)
        .bind(&upload.mime)
        .bind(upload.kind.as_str())
        .bind(i64::try_from(upload.size).unwrap_or(i64::MAX))
        .bind(upload.width.map(i64::from))
        .bind(upload.height.map(i64::from))
        .bind(&upload.thumb_mime)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Uploads this person has not sent yet.
    pub async fn unsent_uploads(&self, uploader_id: UserId) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM attachments WHERE uploader_id = $1 AND message_seq IS NULL",
        )
        .bind(uploader_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// Give `ids` (in order) to the message at `room_id`/`seq`, inside the transaction that
    /// stores it. `None`, and nothing changed, unless every one is the author's and unsent.
    pub(crate) async fn attach(
        tx: &mut crate::server::storage::store::WriteTx,
        uploader_id: UserId,
        room_id: RoomId,
        seq: Seq,
        ids: &[AttachmentId],
    ) -> Result<Option<Vec<Attachment>>, StoreError> {
        let mut attached = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM attachments WHERE id = $1 AND uploader_id = $2 AND message_seq IS NULL"
            ))
            .bind(id.as_str())
            .bind(uploader_id)
            .fetch_optional(&mut **tx)
            .await?;
            // The same id twice counts once: the second finds it already in `attached`.
            let found = match &row {
                Some(row) => attachment_from(row)?,
                None => None,
            };
            match found {
                Some(attachment) if !attached.iter().any(|a: &Attachment| a.id == attachment.id) => {
                    attached.push(attachment)
                }
                _ => return Ok(None),
            }
        }
        for (position, id) in ids.iter().enumerate() {
            sqlx::query("UPDATE attachments SET room_id = $1, message_seq = $2, position = $3 WHERE id = $4")
                .bind(room_id)
                .bind(seq)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(id.as_str())
                .execute(&mut **tx)
                .await?;
        }
        Ok(Some(attached))
    }

    /// The attachments of a room's messages from `first` to `last` `seq`, as (seq, attachment)
    /// in message then upload order.
    pub async fn attachments_between(
        &self,
        room_id: RoomId,
        first: Seq,
        last: Seq,
    ) -> Result<Vec<(Seq, Attachment)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, message_seq FROM attachments
             WHERE room_id = $1 AND message_seq BETWEEN $2 AND $3 ORDER BY message_seq, position"
        ))
        .bind(room_id)
        .bind(first)
        .bind(last)
        .fetch_all(self.pool())
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(attachment) = attachment_from(row)? {
                found.push((row.try_get("message_seq")?, attachment));
            }
        }
        Ok(found)
    }

    /// An attachment to serve, with what deciding who may see it needs.
    pub async fn stored_file(&self, id: &AttachmentId) -> Result<Option<StoredFile>, StoreError> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS}, uploader_id, room_id FROM attachments WHERE id = $1"))
                .bind(id.as_str())
                .fetch_optional(self.pool())
                .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(attachment) = attachment_from(&row)? else { return Ok(None) };
        Ok(Some(StoredFile {
            uploader_id: row.try_get("uploader_id")?,
            room_id: row.try_get("room_id")?,
            thumb_mime: row.try_get("thumb_mime")?,
            attachment,
        }))
    }

    /// Uploads never sent and made before `before` (ms), at most `limit`.
    pub async fn expired_uploads(&self, before: i64, limit: i64) -> Result<Vec<AttachmentId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM attachments WHERE message_seq IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().filter_map(|id| AttachmentId::try_from(id).ok()).collect())
    }

    /// Forget an upload that was never sent. False if it was sent meanwhile (then it stays).
    pub async fn forget_upload(&self, id: &AttachmentId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM attachments WHERE id = $1 AND message_seq IS NULL")
            .bind(id.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
