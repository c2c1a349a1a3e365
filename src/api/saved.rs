//! Saved messages: save one for later from its actions, find it again on `/saved`.
//!
//! [`save_message`] is a plain form post too (the `/saved` page's "Remove" works without
//! JavaScript); [`saved_page`] is that page's data. Both check, every time, that the person may
//! read the room the message is in: the list leaves out what they no longer can.

use crate::ids::{RoomName, Seq};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::rooms::RoomSummary;

pub use crate::model::{MAX_SAVED_PER_PERSON, SavedMessage};

/// The `/saved` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedList {
    pub signed_in: bool,
    /// The person's rooms, for the sidebar.
    pub rooms: Vec<RoomSummary>,
    /// Most recently saved first.
    pub saved: Vec<SavedMessage>,
}

/// The `/saved` page's data: what the person saved and may still read.
#[server(endpoint = "saved_page")]
pub async fn saved_page() -> Result<SavedList, ApiError> {
    let state = super::ssr::state()?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(SavedList::default()) };
    let hub = state.hub.clone();
    let rooms =
        state.store.my_rooms(user.id, |id| hub.is_online(id)).await.map_err(super::ssr::unavailable)?;
    let mut saved = state.store.saved_messages(user.id).await.map_err(super::ssr::unavailable)?;
    for message in &mut saved {
        if let Some(room) = rooms.iter().find(|r| r.name == message.room) {
            message.room_title.clone_from(&room.title);
        }
    }
    Ok(SavedList { signed_in: true, rooms, saved })
}

/// Save message `seq` of `room` for later (`saved: true`), or take it off the list. Only in a
/// room the person may read; a room they may not is answered as one that does not exist.
#[server(endpoint = "save_message")]
pub async fn save_message(room: RoomName, seq: Seq, saved: bool) -> Result<(), ApiError> {
    use crate::api_error::ApiCode;
    use crate::server::messages::saved::SaveOutcome;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    let outcome = state
        .store
        .set_saved(user.id, access.id, seq, saved, crate::model::now_ms())
        .await
        .map_err(super::ssr::unavailable)?;
    match outcome {
        SaveOutcome::Done => Ok(()),
        SaveOutcome::NoSuchMessage => {
            Err(ApiError::new(ApiCode::NotFound, "there is no such message in this room"))
        }
        SaveOutcome::TooMany => Err(ApiError::new(
            ApiCode::LimitReached,
            format!(
                "you have {MAX_SAVED_PER_PERSON} saved messages, as many as you may keep: remove one first"
            ),
        )),
    }
}
