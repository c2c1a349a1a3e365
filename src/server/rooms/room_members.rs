//! A room's member list as its page shows it, and telling the room's open pages, on every
//! node, when it changes (someone joined, was invited, left or was removed).
//!
//! Why a frame with the whole list instead of "X joined": the list is small (at most
//! [`MEMBER_LIST_MAX`]) and changes rarely, and a list read from the store after the change
//! is right whatever order two changes' news arrives in — each node reads it itself when it
//! hears of a change, so the last read sees the last commit. Like presence it is not part of
//! the room's history (and not replayed): a page that was offline when the list changed shows
//! the change from its next load.

use crate::ids::{RoomId, UserId};
use axum::extract::ws::Utf8Bytes;

use crate::protocol::{ServerFrame, encode};
use crate::rooms::{MEMBER_LIST_MAX, Member};
use crate::server::AppState;
use crate::server::realtime::cluster::ClusterEvent;
use crate::server::realtime::hub::Hub;
use crate::server::rooms::membership::{RoomAccess, RoomError};
use crate::server::storage::store::Store;

/// The room's members as its page lists them: the first [`MEMBER_LIST_MAX`] by username, each
/// with whether they are online (on any node) and moderate the room (its creator does).
pub async fn list(
    store: &Store,
    hub: &Hub,
    room_id: RoomId,
    created_by: Option<UserId>,
) -> Result<Vec<Member>, RoomError> {
    let members = store.members(room_id, MEMBER_LIST_MAX).await?;
    let moderators = store.moderators(room_id).await?;
    Ok(members
        .into_iter()
        .map(|member| Member {
            online: hub.is_online(member.id),
            moderator: created_by == Some(member.id) || moderators.contains(&member.id),
            username: member.username,
            name: member.name,
            bot: member.bot,
        })
        .collect())
}

/// The members of `room` changed: its open pages here and on every other node get the list.
pub async fn changed(state: &AppState, room: &RoomAccess) {
    announce(&state.store, &state.hub, room.id, &room.name, room.created_by).await;
    if let Some(cluster) = &state.cluster {
        cluster.publish(ClusterEvent::Members {
            room_id: room.id,
            room: room.name.clone(),
            created_by: room.created_by,
        });
    }
}

/// Send the room's member list, read now, to the sockets joined to it on this node.
pub async fn announce(store: &Store, hub: &Hub, room_id: RoomId, room: &str, created_by: Option<UserId>) {
    match list(store, hub, room_id, created_by).await {
        Ok(members) => {
            let frame = encode(&ServerFrame::Members { room: room.into(), members });
            hub.broadcast(room_id, Utf8Bytes::from(frame), None);
        }
        // The pages keep the list they have; their next load shows the change.
        Err(error) => tracing::warn!(%error, %room_id, "could not read a room's members to announce them"),
    }
}
