//! What every new account gets, however it was made (a sign-up form, a first sign-in through
//! the identity provider): a seat in the default room, announced to the room's open pages.

use crate::ids::UserId;
use crate::server::AppState;

/// Seat the new account `user_id` in the default room. A failure is logged, not returned: the
/// account exists and works, and the person can join the room themselves.
pub async fn welcome(state: &AppState, user_id: UserId) {
    let joined = match state.store.room_for(user_id, crate::protocol::DEFAULT_ROOM).await {
        Ok(Some(room)) => {
            let joined = state.store.join_public(&room, user_id).await;
            if joined.is_ok() {
                crate::server::rooms::room_members::changed(state, &room).await;
            }
            joined
        }
        Ok(None) => Ok(()),
        Err(error) => Err(error),
    };
    if let Err(error) = joined {
        tracing::warn!(%error, "cannot add a new account to the default room");
    }
}
