//! A room's topic: a line under its name, set by its members (`/topic`), told live to the
//! room's open pages on every node.
//!
//! Why not part of the room's history: a topic is what the room is about now, not something
//! said in it; like the member list, a page that was offline shows the current one from its
//! next load, and `hello`'s `welcome` carries nothing for it.

use crate::ids::RoomId;
use axum::extract::ws::Utf8Bytes;

use crate::protocol::{ServerFrame, encode};
use crate::server::AppState;
use crate::server::realtime::cluster::ClusterEvent;
use crate::server::storage::store::{Store, StoreError};

impl Store {
    /// The room's topic (empty: none).
    pub async fn topic(&self, room_id: RoomId) -> Result<String, StoreError> {
        let topic: Option<String> = sqlx::query_scalar("SELECT topic FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(topic.unwrap_or_default())
    }

    /// Set the room's topic (validated by the caller; empty clears it).
    pub async fn set_topic(&self, room_id: RoomId, topic: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE rooms SET topic = $1 WHERE id = $2")
            .bind(topic)
            .bind(room_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

/// Tell the room's open pages, here and on every other node, its topic now.
pub fn announce(state: &AppState, room_id: RoomId, room: &str, topic: &str) {
    let frame = encode(&ServerFrame::Topic { room: room.into(), topic: topic.to_owned() });
    if let Some(cluster) = &state.cluster {
        cluster.publish(ClusterEvent::RoomFrame { room_id, frame: frame.clone() });
    }
    state.hub.broadcast(room_id, Utf8Bytes::from(frame), None);
}
