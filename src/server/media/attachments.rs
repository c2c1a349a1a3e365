//! Attachments in the store: uploads waiting for a message, claiming them for one (inside the
//! sequencer's transaction), listing them with history, finding one to serve, and sweeping
//! the ones never sent.

use sqlx::Row;

use crate::attachments::{Attachment, AttachmentId, AttachmentKind};
use crate::server::storage::store::{Store, StoreError};

/// An upload as stored once its bytes are kept.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub id: AttachmentId,
    pub uploader_id: i64,
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
    pub uploader_id: i64,
    /// The room of its message; `None` while it waits to be sent.
    pub room_id: Option<i64>,
    pub thumb_mime: Option<String>,
}

const COLUMNS: &str = "id, name, mime, kind, size, width, height, thumb_mime";

fn attachment_from(row: &sqlx::any::AnyRow) -> Option<Attachment> {
    let id = AttachmentId::try_from(row.get::<String, _>(0)).ok()?;
    let name: String = row.get(1);
    let thumb: Option<String> = row.get(7);
    let dimension = |i: usize| row.get::<Option<i64>, _>(i).and_then(|v| u32::try_from(v).ok());
    Some(Attachment::new(
        id,
        name,
        row.get(2),
        AttachmentKind::parse(row.get(3)),
        u64::try_from(row.get::<i64, _>(4)).unwrap_or(0),
        dimension(5),
        dimension(6),
        thumb.is_some(),
    ))
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
    pub async fn unsent_uploads(&self, uploader_id: i64) -> Result<i64, StoreError> {
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
        uploader_id: i64,
        room_id: i64,
        seq: i64,
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
            match row.as_ref().and_then(attachment_from) {
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
        room_id: i64,
        first: i64,
        last: i64,
    ) -> Result<Vec<(i64, Attachment)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, message_seq FROM attachments
             WHERE room_id = $1 AND message_seq BETWEEN $2 AND $3 ORDER BY message_seq, position"
        ))
        .bind(room_id)
        .bind(first)
        .bind(last)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().filter_map(|row| attachment_from(row).map(|a| (row.get(8), a))).collect())
    }

    /// An attachment to serve, with what deciding who may see it needs.
    pub async fn stored_file(&self, id: &AttachmentId) -> Result<Option<StoredFile>, StoreError> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS}, uploader_id, room_id FROM attachments WHERE id = $1"))
                .bind(id.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(|row| {
            Some(StoredFile {
                uploader_id: row.get(8),
                room_id: row.get(9),
                thumb_mime: row.get(7),
                attachment: attachment_from(&row)?,
            })
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
