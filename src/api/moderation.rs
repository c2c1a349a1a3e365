//! Moderation: promoting and demoting a room's moderators, and the log of what they did.
//!
//! Who may do what is `server::rooms::moderation`'s to say; each call asks it afresh.

use crate::ids::{RoomName, Seq, Username};
use leptos::prelude::*;

use crate::api_error::ApiError;
use serde::{Deserialize, Serialize};

/// One line of a room's moderation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Who acted (username).
    pub actor: String,
    /// `delete`, `remove`, `promote`, `demote`, `pin` or `unpin`.
    pub action: String,
    /// The message deleted, pinned or unpinned.
    pub seq: Option<Seq>,
    /// Whom it was done to (username).
    pub target: Option<String>,
    pub at: i64,
}

/// The moderation page of a room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationPage {
    pub signed_in: bool,
    /// `None`: no such room, or not one this person moderates (the same answer).
    pub title: Option<String>,
    pub lines: Vec<LogLine>,
    /// The asker is a server administrator (who may export the room).
    #[serde(default)]
    pub admin: bool,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::api_error::ApiError;

    use crate::server::AppState;
    use crate::server::accounts::users::User;
    use crate::server::rooms::membership::RoomAccess;
    use crate::server::rooms::moderation::Power;

    /// What `user` may do in the room.
    pub async fn power(state: &AppState, user: &User, room: &RoomAccess) -> Result<Power, ApiError> {
        let admin = state.is_admin(user.id, &user.username).await;
        state.store.power(room, user.id, admin).await.map_err(super::super::ssr::internal)
    }

    /// The room called `room` with its title as `user` sees it, if they moderate it; `None`
    /// for a room they do not (or one that does not exist: the same answer), and the page's
    /// status is then 404.
    pub async fn moderated_room(
        state: &AppState,
        user: &User,
        room: &str,
    ) -> Result<Option<(RoomAccess, String)>, ApiError> {
        use leptos::prelude::use_context;
        let internal = super::super::ssr::internal;
        let access = state.store.room_for(user.id, room).await.map_err(internal)?;
        let access = match access {
            Some(access) if power(state, user, &access).await? >= Power::Moderator => access,
            _ => {
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(axum::http::StatusCode::NOT_FOUND);
                }
                return Ok(None);
            }
        };
        let hub = state.hub.clone();
        let rooms = state.store.my_rooms(user.id, |id| hub.is_online(id)).await.map_err(internal)?;
        let title = rooms
            .into_iter()
            .find(|r| r.name == access.name)
            .map_or_else(|| format!("#{}", access.name), |r| r.title);
        Ok(Some((access, title)))
    }
}

/// Make `username` a moderator of the room (`moderator` present) or no longer one: the room's
/// creator's call (or an administrator's). Answers with a redirect back to the room.
#[server(endpoint = "set_moderator")]
pub async fn set_moderator(
    room: RoomName,
    username: Username,
    moderator: Option<String>,
) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    let found = state.store.user_by_username(&username.trim().to_ascii_lowercase()).await;
    let Some(person) = found.map_err(super::ssr::internal)? else {
        return super::ssr::refuse(&format!("/r/{room}"), super::FormError::NoSuchPerson, "");
    };
    let power = ssr::power(&state, &user, &access).await?;
    match state.store.set_moderator(user.id, power, &access, person.id, moderator.is_some()).await {
        Ok(()) => leptos_axum::redirect(&format!("/r/{room}")),
        Err(_) => return super::ssr::refuse(&format!("/r/{room}"), super::FormError::NotAllowed, ""),
    }
    Ok(())
}

/// A room's moderation log, for its moderators (and administrators).
#[server(endpoint = "load_moderation")]
pub async fn load_moderation(room: RoomName) -> Result<ModerationPage, ApiError> {
    let state = super::ssr::state()?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(ModerationPage::default()) };
    let mut page = ModerationPage { signed_in: true, ..ModerationPage::default() };
    let Some((access, title)) = ssr::moderated_room(&state, &user, &room).await? else { return Ok(page) };
    page.title = Some(title);
    page.admin = state.is_admin(user.id, &user.username).await;
    page.lines = state
        .store
        .moderation_log(access.id)
        .await
        .map_err(super::ssr::internal)?
        .into_iter()
        .map(|entry| LogLine {
            actor: entry.actor,
            action: entry.action,
            seq: entry.seq,
            target: entry.target,
            at: entry.at,
        })
        .collect();
    Ok(page)
}
