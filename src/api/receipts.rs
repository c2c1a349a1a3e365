//! How far a person has read: their unread counts, and the read receipts ("Seen by") others
//! see of them in conversations and small rooms.
//!
//! [`mark_read`] is what every open page calls as messages come into view; where the person
//! takes part in receipts it goes through the sequencer, so a receipt takes its place in the
//! room's order (`server::messages::receipts`). [`set_read_receipts`] is a plain form on the
//! profile: off, a person sends no receipts and is shown none. [`room_receipts`] is what a page
//! reads after a resync, and what a bot reads.

use crate::ids::{RoomName, Seq};
use leptos::prelude::*;

use crate::api_error::ApiError;
use crate::model::Receipt;

/// The person has seen the room up to `seq`: their unread count there drops, on every device.
/// Where they take part in read receipts, passing someone else's message tells the room.
#[server(endpoint = "mark_read")]
pub async fn mark_read(room: RoomName, seq: Seq) -> Result<(), ApiError> {
    use crate::server::messages::receipts::ReadUpTo;
    use crate::server::realtime::sequencer::{Change, PostReply};
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    if !state.store.sees_receipts(access.id, user.id).await.map_err(super::ssr::unavailable)? {
        return state.store.mark_read(access.id, user.id, seq).await.map_err(super::ssr::internal);
    }
    let read = ReadUpTo { room_id: access.id, room: access.name, user_id: user.id, seq };
    let (reply, done) = tokio::sync::oneshot::channel();
    state
        .sequencer
        .write(Change::Read(read), PostReply::Call(reply))
        .await
        .map_err(super::ssr::unavailable)?;
    done.await.map_err(super::ssr::unavailable)?.map_err(super::ssr::unavailable)?;
    Ok(())
}

/// How far each other member has read the room, for "Seen by"; `None` where the person is
/// not shown receipts (their own are off, the room is too big, they are not a member).
#[server(endpoint = "room_receipts")]
pub async fn room_receipts(room: RoomName) -> Result<Option<Vec<Receipt>>, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    state.store.receipts(access.id, user.id).await.map_err(super::ssr::unavailable)
}

/// Turn read receipts on or off (a plain form on the profile: back to it after).
#[server(endpoint = "set_read_receipts")]
pub async fn set_read_receipts(#[server(default)] on: bool) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    state.store.set_read_receipts(user.id, on).await.map_err(super::ssr::unavailable)?;
    tracing::info!(user = %user.id, on, "read receipts set");
    leptos_axum::redirect("/profile?saved");
    Ok(())
}
