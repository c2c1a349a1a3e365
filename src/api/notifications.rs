//! Notification settings: a room's level for the person, and "do not disturb". Plain forms
//! (they work without JavaScript) answered with a redirect back.

use crate::ids::RoomName;
use leptos::prelude::*;

use crate::api_error::ApiError;

/// Set what of `room` notifies the caller: `level` is `all`, `mentions` or `none`.
#[server(endpoint = "set_notify")]
pub async fn set_notify(room: RoomName, level: String) -> Result<(), ApiError> {
    use crate::notifications::NotifyLevel;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    let Some(level) = NotifyLevel::parse(&level) else {
        return Err(ApiError::invalid("level is one of all, mentions, none"));
    };
    let member =
        state.store.set_notify_level(access.id, user.id, level).await.map_err(super::ssr::internal)?;
    if !member {
        return Err(ApiError::new(crate::api_error::ApiCode::NotMember, "join the room first"));
    }
    leptos_axum::redirect(&format!("/r/{room}"));
    Ok(())
}

/// Pause every notification for `minutes` from now (one of
/// [`DO_NOT_DISTURB_CHOICES`](crate::notifications::DO_NOT_DISTURB_CHOICES)); 0 ends the pause.
#[server(endpoint = "set_quiet")]
pub async fn set_quiet(minutes: i64) -> Result<(), ApiError> {
    use crate::notifications::DO_NOT_DISTURB_CHOICES;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let until = match minutes {
        0 => None,
        m if DO_NOT_DISTURB_CHOICES.iter().any(|(choice, _)| *choice == m) => {
            Some(crate::model::now_ms() + m * 60_000)
        }
        _ => return Err(ApiError::invalid("minutes is not one of the offered pauses")),
    };
    state.store.set_quiet_until(user.id, until).await.map_err(super::ssr::internal)?;
    leptos_axum::redirect("/profile");
    Ok(())
}

/// Until when the caller paused notifications (`None`: not paused, or the pause is over).
#[server(endpoint = "my_quiet")]
pub async fn my_quiet() -> Result<Option<i64>, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let until = state.store.quiet_until(user.id).await.map_err(super::ssr::internal)?;
    Ok(until.filter(|until| *until > crate::model::now_ms()))
}
