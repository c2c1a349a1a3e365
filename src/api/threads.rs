//! Threads one follows: the `/threads` view ([`threads_page`]), following or leaving a thread
//! by hand ([`follow_thread`], also a plain form), and telling the server how far a thread has
//! been read ([`read_thread`]). Each checks, every time, that the person may read the room:
//! a thread of a room they left is not listed and cannot be followed.

use crate::ids::{RoomName, Seq};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::rooms::RoomSummary;

pub use crate::model::FollowedThread;

/// The `/threads` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadsList {
    pub signed_in: bool,
    /// The person's rooms, for the sidebar.
    pub rooms: Vec<RoomSummary>,
    /// The threads they follow, the most recently active first.
    pub threads: Vec<FollowedThread>,
}

/// The `/threads` page's data: the threads the person follows, with their unread replies.
#[server(endpoint = "threads_page")]
pub async fn threads_page() -> Result<ThreadsList, ApiError> {
    let state = super::ssr::state()?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(ThreadsList::default()) };
    let hub = state.hub.clone();
    let rooms =
        state.store.my_rooms(user.id, |id| hub.is_online(id)).await.map_err(super::ssr::unavailable)?;
    let threads = ssr::followed(&state, user.id, &rooms).await?;
    Ok(ThreadsList { signed_in: true, rooms, threads })
}

/// Follow thread `root` of `room` (`follow: true`: its replies notify as mentions do, and the
/// Threads view lists it), or stop following it. Only a thread's root, in a room the person
/// may read; anything else is answered as a thread that does not exist.
#[server(endpoint = "follow_thread")]
pub async fn follow_thread(room: RoomName, root: Seq, follow: bool) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    let done =
        state.store.set_following(user.id, access.id, root, follow).await.map_err(super::ssr::unavailable)?;
    if done { Ok(()) } else { Err(ApiError::not_found()) }
}

/// The person has seen thread `root` of `room` up to reply `seq` (the open thread calls this
/// as replies arrive; opening a thread's page does it too).
#[server(endpoint = "read_thread")]
pub async fn read_thread(room: RoomName, root: Seq, seq: Seq) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = super::chat::ssr::room(&state, &user, &room).await?;
    state.store.read_thread(user.id, access.id, root, seq).await.map_err(super::ssr::unavailable)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::api_error::ApiError;
    use crate::ids::UserId;
    use crate::model::FollowedThread;
    use crate::rooms::RoomSummary;
    use crate::server::AppState;

    /// The threads `user_id` follows, titled as their sidebar titles the rooms.
    pub async fn followed(
        state: &AppState,
        user_id: UserId,
        rooms: &[RoomSummary],
    ) -> Result<Vec<FollowedThread>, ApiError> {
        let mut followed =
            state.store.followed_threads(user_id).await.map_err(super::super::ssr::unavailable)?;
        for thread in &mut followed {
            if let Some(room) = rooms.iter().find(|r| r.name == thread.room) {
                thread.room_title.clone_from(&room.title);
            }
        }
        Ok(followed)
    }
}
