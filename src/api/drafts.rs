//! Drafts: what a person typed in a room and has not sent, kept on the server so it comes
//! back on their other devices and after a reload.
//!
//! The page saves at most every [`DRAFT_SAVE_EVERY_MS`](crate::model::DRAFT_SAVE_EVERY_MS)
//! while typing ([`save_draft`]); a room's page carries the draft (`ChatPage::draft`), and
//! [`load_draft`] reads it alone. Posting a message clears it on the server.

use crate::ids::{RoomName, Seq};
use leptos::prelude::*;

use crate::api_error::ApiError;
use crate::model::Draft;

/// Keep `body` (answering message `reply_to`, if replying) as your draft in `room`, or in the
/// thread of message `thread`; an empty body with no reply forgets it. Any room you may read;
/// at most as long as a message.
#[server(endpoint = "save_draft")]
pub async fn save_draft(
    room: RoomName,
    body: String,
    reply_to: Option<Seq>,
    #[server(default)] thread: Option<Seq>,
) -> Result<(), ApiError> {
    use crate::api_error::ApiCode;
    use crate::protocol::MAX_BODY_CHARS;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    if body.chars().count() > MAX_BODY_CHARS {
        let message = format!("a draft is kept up to {MAX_BODY_CHARS} characters, as a message is");
        return Err(ApiError::new(ApiCode::BodyTooLong, message));
    }
    if !state.take(&state.limits.drafts, &user.id).await {
        return Err(ApiError::rate_limited("too many draft saves just now; the page tries again", 1));
    }
    state
        .store
        .save_draft(user.id, access.id, thread, &body, reply_to, crate::model::now_ms())
        .await
        .map_err(super::ssr::unavailable)
}

/// Your draft in `room` (or in the thread of message `thread`), if you have one.
#[server(endpoint = "load_draft")]
pub async fn load_draft(
    room: RoomName,
    #[server(default)] thread: Option<Seq>,
) -> Result<Option<Draft>, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    state.store.draft(user.id, access.id, thread).await.map_err(super::ssr::unavailable)
}
