//! Blocking people: block and unblock (plain forms, from a room's member list, a conversation
//! or `/profile/blocked`), and the list of whom one blocks. What a block does is
//! `server::rooms::blocks`'s to say.

use crate::ids::{RoomName, Username};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::FormError;
use crate::api_error::ApiError;
use crate::model::BlockedPerson;

/// The page that lists the people one blocks.
pub const BLOCKED_PATH: &str = "/profile/blocked";

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api_error::ApiError;
    use crate::server::AppState;
    use crate::server::accounts::users::User;

    /// Where a block form goes back to: the room it was sent from (a name of letters, digits,
    /// `-` and `_`), else the list of blocked people.
    pub fn back_to(room: Option<&str>) -> String {
        match room.filter(|room| {
            !room.is_empty() && room.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }) {
            Some(room) => format!("/r/{room}"),
            None => super::BLOCKED_PATH.to_owned(),
        }
    }

    /// The account called `username`, if there is one.
    pub async fn person(state: &AppState, username: &str) -> Result<Option<User>, ApiError> {
        let name = username.trim().trim_start_matches('@').to_ascii_lowercase();
        state.store.user_by_username(&name).await.map_err(super::super::ssr::unavailable)
    }
}

/// The people the asker blocks, by username.
#[server(endpoint = "load_blocked")]
pub async fn load_blocked() -> Result<Vec<BlockedPerson>, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    state.store.blocked_by(user.id).await.map_err(super::ssr::unavailable)
}

/// Block `username`: their messages collapse on the asker's pages and notify them of nothing,
/// and their conversation takes nothing new. Goes back to `room` when sent from one.
#[server(endpoint = "block_person")]
pub async fn block_person(username: Username, room: Option<RoomName>) -> Result<(), ApiError> {
    use crate::server::rooms::blocks::BlockError;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let back = ssr::back_to(room.as_deref());
    let Some(blocked) = ssr::person(&state, &username).await? else {
        return super::ssr::refuse(&back, FormError::NoSuchPerson, "");
    };
    match state.store.block(user.id, blocked.id).await {
        Ok(()) => {
            tracing::info!(user = %user.id, blocked = %blocked.id, "blocked a person");
            leptos_axum::redirect(&back);
            Ok(())
        }
        Err(BlockError::Yourself) => super::ssr::refuse(&back, FormError::BlockYourself, ""),
        Err(BlockError::TooMany) => super::ssr::refuse(&back, FormError::TooManyBlocks, ""),
        Err(BlockError::Store(error)) => Err(super::ssr::unavailable(error)),
    }
}

/// Unblock `username`. Goes back to `room` when sent from one.
#[server(endpoint = "unblock_person")]
pub async fn unblock_person(username: Username, room: Option<RoomName>) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let back = ssr::back_to(room.as_deref());
    let Some(blocked) = ssr::person(&state, &username).await? else {
        return super::ssr::refuse(&back, FormError::NoSuchPerson, "");
    };
    state.store.unblock(user.id, blocked.id).await.map_err(super::ssr::unavailable)?;
    tracing::info!(user = %user.id, unblocked = %blocked.id, "unblocked a person");
    leptos_axum::redirect(&back);
    Ok(())
}
