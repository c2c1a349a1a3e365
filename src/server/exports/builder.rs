//! Making an export: read what it holds from the store a batch at a time, write it into the
//! archive, say how far it is, then keep the archive where every node can serve it.
//!
//! What a person's export holds is decided here, once: their profile, the rooms and
//! conversations they are in now, every message they wrote in those (with when it was edited,
//! its reactions and its files). Nothing of a room they left or were never in: the rooms come
//! from their memberships at the moment the export runs. An administrator's export of a room
//! holds the room, its members, and all its messages and files.

use crate::ids::{RoomId, RoomName, Seq, UserId};
use serde::Serialize;

use crate::model::{ChatMessage, Reaction, now_ms};
use crate::rooms::RoomKind;
use crate::server::AppState;
use crate::server::exports::archive::{Archive, ArchiveError};
use crate::server::exports::records::{ExportId, ExportRow};
use crate::server::storage::store::StoreError;

/// Messages read (and written out) at a time.
pub const EXPORT_BATCH: usize = 500;
/// Exports one node makes at once; more wait their turn.
pub const EXPORT_WORKERS: usize = 1;
/// Most members a room's export lists.
pub const MAX_EXPORTED_MEMBERS: usize = 1_000_000;

#[derive(Debug, thiserror::Error)]
enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Blob(#[from] crate::server::media::blobs::BlobError),
    #[error("the account or room is gone")]
    Gone,
}

/// Make export `id` in the background, once this node has a free worker.
pub fn spawn(state: AppState, id: ExportId) {
    tokio::spawn(async move {
        let Ok(_permit) = state.export_permits.clone().acquire_owned().await else { return };
        let job = match state.store.claim_export(&id, now_ms()).await {
            Ok(Some(job)) => job,
            Ok(None) => return,
            Err(error) => return tracing::warn!(%error, %id, "cannot claim an export"),
        };
        let incoming = state.blobs.incoming_export(&id);
        let made = async {
            let size = build(&state, &job, &incoming).await?;
            state.blobs.keep_export(&id, &incoming).await?;
            Ok::<_, BuildError>(size)
        }
        .await;
        let recorded = match made {
            Ok(size) => {
                tracing::info!(%id, size, room = ?job.room, "export made");
                state.store.finish_export(&id, i64::try_from(size).unwrap_or(i64::MAX), now_ms()).await
            }
            Err(error) => {
                tracing::warn!(%error, %id, "export failed");
                let _ = tokio::fs::remove_file(&incoming).await;
                state.store.fail_export(&id, now_ms()).await
            }
        };
        if let Err(error) = recorded {
            tracing::warn!(%error, %id, "cannot record how an export ended");
        }
    });
}

/// One room's part: its id, name, and whose messages (`None`: everyone's).
struct Part {
    room_id: RoomId,
    room: RoomName,
    author: Option<UserId>,
}

async fn build(state: &AppState, job: &ExportRow, path: &std::path::Path) -> Result<u64, BuildError> {
    let store = &state.store;
    let mut archive = Archive::create(path.to_owned()).await?;
    let parts = match job.room_id {
        None => {
            let user = store.user_by_id(job.user_id).await.map_err(|_| BuildError::Gone)?;
            let user = user.ok_or(BuildError::Gone)?;
            let email = store.email_state(user.id).await?.address;
            let profile = ProfileFile {
                username: &user.username,
                display_name: &user.display_name,
                status: &user.status,
                email: email.as_deref(),
                read_receipts: user.read_receipts,
            };
            archive.entry("README.txt", readme(&user.username, None).into_bytes()).await?;
            archive.entry("profile.json", json(&profile)).await?;
            let rooms = store.my_rooms(user.id, |_| false).await.map_err(room_error)?;
            let mut parts = Vec::with_capacity(rooms.len());
            let mut listed = Vec::with_capacity(rooms.len());
            for room in rooms {
                let Some(access) = store.room_for(user.id, &room.name).await.map_err(room_error)? else {
                    continue;
                };
                if !access.member {
                    continue;
                }
                listed.push(RoomFile { name: room.name.clone().into(), title: room.title, kind: room.kind });
                parts.push(Part { room_id: access.id, room: room.name, author: Some(user.id) });
            }
            archive.entry("rooms.json", json(&listed)).await?;
            parts
        }
        Some(room_id) => {
            let room = store.room_by_id(room_id).await.map_err(room_error)?.ok_or(BuildError::Gone)?;
            let members = store.members(room_id, MAX_EXPORTED_MEMBERS).await.map_err(room_error)?;
            let file = RoomExportFile {
                name: &room.name,
                kind: room.kind,
                topic: store.topic(room_id).await?,
                members: members
                    .iter()
                    .map(|m| MemberFile { username: &m.username, name: &m.name })
                    .collect(),
            };
            archive.entry("README.txt", readme(&room.name, Some(room.kind)).into_bytes()).await?;
            archive.entry("room.json", json(&file)).await?;
            vec![Part { room_id, room: room.name.clone(), author: None }]
        }
    };

    let mut total = 0;
    for part in &parts {
        let (messages, files) = store.message_and_file_counts(part.room_id, part.author).await?;
        total += messages + files;
    }
    let mut done = 0;
    store.export_progress(&job.id, done, total, now_ms()).await?;
    let mut files = Vec::new();
    archive.start("messages.json").await?;
    let mut first = true;
    for part in &parts {
        let mut after = Seq::ZERO;
        loop {
            let batch = match part.author {
                Some(author) => {
                    store.written_by(part.room_id, &part.room, author, after, EXPORT_BATCH).await?
                }
                None => store.after(part.room_id, &part.room, after, EXPORT_BATCH).await?,
            };
            let (Some(low), Some(high)) = (batch.first().map(|m| m.seq), batch.last().map(|m| m.seq)) else {
                break;
            };
            let edits = store.edit_times_between(part.room_id, low, high).await?;
            let mut text = Vec::new();
            for message in &batch {
                text.extend_from_slice(if first { b"[\n" } else { b",\n" });
                first = false;
                let edited: Vec<i64> =
                    edits.iter().filter(|(seq, _)| *seq == message.seq).map(|(_, at)| *at).collect();
                text.extend(json(&MessageFile::of(message, edited)));
                files.extend(message.attachments.iter().cloned());
            }
            archive.write(text).await?;
            done += i64::try_from(batch.len()).unwrap_or(i64::MAX);
            store.export_progress(&job.id, done, total, now_ms()).await?;
            after = high;
        }
    }
    archive.write(if first { b"[]\n".to_vec() } else { b"\n]\n".to_vec() }).await?;

    let scratch = state.blobs.incoming_export(&ExportId::new());
    for (n, attachment) in files.iter().enumerate() {
        let local = state.blobs.local_copy(&attachment.id, &scratch).await?;
        archive.file(&file_path(attachment), &local).await?;
        done += 1;
        if n % 20 == 19 {
            store.export_progress(&job.id, done, total, now_ms()).await?;
        }
    }
    let _ = tokio::fs::remove_file(&scratch).await;
    Ok(archive.finish().await?)
}

fn room_error(error: crate::server::rooms::membership::RoomError) -> BuildError {
    match error {
        crate::server::rooms::membership::RoomError::Store(error) => BuildError::Store(error),
        _ => BuildError::Gone,
    }
}

fn json(value: &impl Serialize) -> Vec<u8> {
    // Plain data of strings and numbers: serializing cannot fail.
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// Where an attachment goes in the archive: its id keeps two files of one name apart.
fn file_path(attachment: &crate::attachments::Attachment) -> String {
    format!("files/{}/{}", attachment.id, attachment.name)
}

fn readme(whose: &str, room: Option<RoomKind>) -> String {
    let what = match room {
        None => format!(
            "The data of @{whose} on Banter:\n\n\
             profile.json   your username, display name, status, email address, read receipts\n\
             rooms.json     the rooms and conversations you are in\n\
             messages.json  every message you wrote in them: its text, when it was edited,\n\
             \x20              its reactions and the files it carries\n\
             files/         those files, by id and name\n\n\
             Banter keeps only the latest text of an edited message; `edits` lists when each\n\
             edit was made. Rooms you have left are not included.\n"
        ),
        Some(_) => format!(
            "The room {whose} on Banter, exported by an administrator:\n\n\
             room.json      its name, kind, topic and members\n\
             messages.json  all its messages: text, when edited, reactions, files\n\
             files/         the files, by id and name\n"
        ),
    };
    format!("{what}\nTimes are milliseconds since 1970-01-01 UTC.\n")
}

#[derive(Serialize)]
struct ProfileFile<'a> {
    username: &'a str,
    display_name: &'a str,
    status: &'a str,
    email: Option<&'a str>,
    read_receipts: bool,
}

#[derive(Serialize)]
struct RoomFile {
    name: String,
    title: String,
    kind: RoomKind,
}

#[derive(Serialize)]
struct RoomExportFile<'a> {
    name: &'a str,
    kind: RoomKind,
    topic: String,
    members: Vec<MemberFile<'a>>,
}

#[derive(Serialize)]
struct MemberFile<'a> {
    username: &'a str,
    name: &'a str,
}

/// One message as `messages.json` holds it.
#[derive(Serialize)]
struct MessageFile<'a> {
    room: &'a str,
    seq: Seq,
    ts: i64,
    author: &'a str,
    username: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    edits: Vec<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<Seq>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thread_root: Option<Seq>,
    #[serde(skip_serializing_if = "<[Reaction]>::is_empty")]
    reactions: &'a [Reaction],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<FileEntry<'a>>,
}

#[derive(Serialize)]
struct FileEntry<'a> {
    name: &'a str,
    mime: &'a str,
    size: u64,
    /// Its path in the archive.
    path: String,
}

impl<'a> MessageFile<'a> {
    fn of(message: &'a ChatMessage, edits: Vec<i64>) -> Self {
        Self {
            room: &message.room,
            seq: message.seq,
            ts: message.ts,
            author: &message.author,
            username: &message.username,
            body: &message.body,
            edits,
            deleted: message.deleted,
            reply_to: message.reply_to.as_ref().map(|quote| quote.seq),
            thread_root: message.thread_root,
            reactions: &message.reactions,
            files: message
                .attachments
                .iter()
                .map(|a| FileEntry { name: &a.name, mime: &a.mime, size: a.size, path: file_path(a) })
                .collect(),
        }
    }
}
