//! Finding, creating and managing rooms, and starting conversations.
//!
//! Form endpoints like the account ones: each answers success with a redirect onward; a
//! refusal goes back to the page with `?error=<code>` for a plain form, and is a JSON error
//! for a script ([`FormError`](super::FormError)).

use crate::ids::{RoomName, Username};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::FormError;
#[cfg(feature = "ssr")]
use super::ssr::refuse;
use crate::api_error::ApiError;
use crate::rooms::RoomSummary;

/// What the rooms page lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomsPage {
    /// `false`: not signed in (the page sends you to sign in).
    pub signed_in: bool,
    /// Every public room, by name.
    pub public: Vec<String>,
    /// The person's own rooms and conversations.
    pub mine: Vec<RoomSummary>,
}

#[server(endpoint = "load_rooms")]
pub async fn load_rooms() -> Result<RoomsPage, ApiError> {
    let state = super::ssr::state()?;
    let Some(user) = super::ssr::user(&state).await? else {
        return Ok(RoomsPage { signed_in: false, public: Vec::new(), mine: Vec::new() });
    };
    let internal = super::ssr::internal;
    Ok(RoomsPage {
        signed_in: true,
        public: state.store.public_rooms().await.map_err(internal)?,
        mine: state.store.my_rooms(user.id, |id| state.hub.is_online(id)).await.map_err(internal)?,
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api_error::ApiError;

    use crate::server::AppState;
    use crate::server::accounts::users::User;

    /// The account called `username`; or, when there is none, the refusal saying so
    /// (a plain form is sent back to the room) and `None`.
    pub async fn person_or_back(
        state: &AppState,
        room: &str,
        username: &str,
    ) -> Result<Option<User>, ApiError> {
        let found = state.store.user_by_username(&username.trim().to_ascii_lowercase()).await;
        let found = found.map_err(super::super::ssr::internal)?;
        if found.is_none() {
            super::super::ssr::refuse(&format!("/r/{room}"), super::super::FormError::NoSuchPerson, "")?;
        }
        Ok(found)
    }
}

/// Create a room (`private` present: invite-only) and go to it.
#[server(endpoint = "create_room")]
pub async fn create_room(name: String, private: Option<String>) -> Result<(), ApiError> {
    use crate::rooms::{RoomKind, normalize_room_name};
    use crate::server::rooms::membership::RoomError;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let Ok(name) = normalize_room_name(&name) else {
        return refuse("/rooms", FormError::InvalidRoomName, "");
    };
    let kind = if private.is_some() { RoomKind::Private } else { RoomKind::Public };
    // A bot is in the rooms it is invited into or joins, never ones it made.
    if user.bot {
        return refuse("/rooms", FormError::NotAllowed, "");
    }
    if !state.take(&state.limits.rooms, &user.id).await {
        return refuse("/rooms", FormError::TooManyRooms, "");
    }
    match state.store.create_room(user.id, &name, kind).await {
        Ok(room) => leptos_axum::redirect(&format!("/r/{}", room.name)),
        Err(RoomError::NameTaken) => return refuse("/rooms", FormError::RoomNameTaken, ""),
        Err(error) => return Err(super::ssr::internal(error)),
    }
    Ok(())
}

/// Join a public room (read before joining; talk after), then go to it.
#[server(endpoint = "join_room")]
pub async fn join_room(room: RoomName) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    match state.store.join_public(&access, user.id).await {
        Ok(()) => {
            crate::server::rooms::room_members::changed(&state, &access).await;
            leptos_axum::redirect(&format!("/r/{}", access.name))
        }
        Err(crate::server::rooms::membership::RoomError::NotCreator) => {
            return refuse(&format!("/r/{}", access.name), FormError::NotAllowed, "");
        }
        Err(error) => return Err(super::ssr::internal(error)),
    }
    Ok(())
}

/// Open (creating on first use) the conversation with `username`.
#[server(endpoint = "open_direct")]
pub async fn open_direct(username: Username) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let name = username.trim().to_ascii_lowercase();
    // People open conversations with a bot; a bot does not start them.
    if user.bot {
        return refuse("/rooms", FormError::NotAllowed, "");
    }
    if !state.take(&state.limits.rooms, &user.id).await {
        return refuse("/rooms", FormError::TooManyRooms, "");
    }
    let other = state.store.user_by_username(&name).await.map_err(super::ssr::internal)?;
    match other.filter(|other| other.id != user.id) {
        Some(other) => {
            // A block between the two keeps a conversation from starting; one they had stays
            // theirs to read (it takes nothing new: `server::rooms::blocks`).
            let existing = crate::rooms::direct_room_name(user.id, other.id);
            let had = state.store.room_for(user.id, &existing).await.map_err(super::ssr::internal)?;
            if had.is_none()
                && state.store.blocked_between(user.id, other.id).await.map_err(super::ssr::unavailable)?
            {
                return refuse("/rooms", FormError::NotTakingMessages, "");
            }
            let room = state.store.direct_room(user.id, other.id).await.map_err(super::ssr::internal)?;
            leptos_axum::redirect(&format!("/r/{}", room.name));
        }
        None => return refuse("/rooms", FormError::NoSuchPerson, ""),
    }
    Ok(())
}

/// Invite `username` into a private room (its creator only).
#[server(endpoint = "invite")]
pub async fn invite(room: RoomName, username: Username) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    let Some(invited) = ssr::person_or_back(&state, &room, &username).await? else { return Ok(()) };
    match state.store.invite(user.id, &access, invited.id).await {
        Ok(()) => {
            crate::server::rooms::room_members::changed(&state, &access).await;
            leptos_axum::redirect(&format!("/r/{room}"))
        }
        Err(_) => return refuse(&format!("/r/{room}"), FormError::NotAllowed, ""),
    }
    Ok(())
}

/// Take `username` out of a room: yourself (leave) or, as one of its moderators, anyone but
/// its creator (logged).
#[server(endpoint = "remove_member")]
pub async fn remove_member(room: RoomName, username: Username) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    let Some(removed) = ssr::person_or_back(&state, &room, &username).await? else { return Ok(()) };
    let power = super::moderation::ssr::power(&state, &user, &access).await?;
    let Ok(version) = state.store.remove_member(user.id, power, &access, removed.id).await else {
        return refuse(&format!("/r/{room}"), FormError::NotAllowed, "");
    };
    // Their open sockets in the room end now, not at their next reconnect.
    state.sequencer.revoke(access.id, removed.id, version).await.map_err(super::ssr::internal)?;
    crate::server::rooms::room_members::changed(&state, &access).await;
    if removed.id == user.id {
        leptos_axum::redirect("/rooms");
    } else {
        leptos_axum::redirect(&format!("/r/{room}"));
    }
    Ok(())
}
