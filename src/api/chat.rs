//! The room: its first paint, older pages, and posting without a WebSocket.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::{HistoryPage, Profile};

/// Everything the chat page needs for its first paint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatPage {
    pub room: String,
    /// The signed-in person; `None` sends the page to sign-in (and then holds no history).
    pub me: Option<Profile>,
    /// The latest [`HISTORY_PAGE`](crate::protocol::HISTORY_PAGE) messages.
    pub history: HistoryPage,
    /// A fresh `client_id` for the no-JavaScript form, so a re-posted form is stored once.
    pub form_client_id: String,
}

#[cfg(feature = "ssr")]
async fn default_room(state: &crate::server::AppState) -> Result<i64, ServerFnError> {
    state
        .store
        .room_id(crate::protocol::DEFAULT_ROOM)
        .await
        .map_err(super::ssr::internal)?
        .ok_or_else(|| ServerFnError::new("the default room is missing"))
}

/// The first paint of the chat page.
#[server(endpoint = "load_chat")]
pub async fn load_chat() -> Result<ChatPage, ServerFnError> {
    use crate::protocol::{DEFAULT_ROOM, HISTORY_PAGE};
    let state = super::ssr::state()?;
    let Some(user) = super::ssr::user(&state).await? else {
        return Ok(ChatPage {
            room: DEFAULT_ROOM.to_owned(),
            me: None,
            history: HistoryPage::default(),
            form_client_id: String::new(),
        });
    };
    let room_id = default_room(&state).await?;
    let history =
        state.store.page(room_id, DEFAULT_ROOM, None, HISTORY_PAGE).await.map_err(super::ssr::internal)?;
    Ok(ChatPage {
        room: DEFAULT_ROOM.to_owned(),
        me: Some(user.profile()),
        history,
        form_client_id: uuid::Uuid::new_v4().simple().to_string(),
    })
}

/// The page of messages before `before` (a `seq`), for scrolling up.
#[server(endpoint = "load_older")]
pub async fn load_older(before: i64) -> Result<HistoryPage, ServerFnError> {
    use crate::protocol::{DEFAULT_ROOM, HISTORY_PAGE};
    let state = super::ssr::state()?;
    super::ssr::signed_in(&state).await?;
    let room_id = default_room(&state).await?;
    state.store.page(room_id, DEFAULT_ROOM, Some(before), HISTORY_PAGE).await.map_err(super::ssr::internal)
}

/// Post a message without a WebSocket (the composer's form without JavaScript). It goes
/// through the same sequencer as every other message, so open pages see it live.
#[server(endpoint = "post_message")]
pub async fn post_message(body: String, client_id: String) -> Result<i64, ServerFnError> {
    use crate::protocol::{DEFAULT_ROOM, validate_body, validate_client_id};
    use crate::server::sequencer::PostReply;
    use crate::server::store::NewMessage;

    let bad = |e: crate::protocol::InputError| ServerFnError::new(e.to_string());
    let body = validate_body(&body).map_err(bad)?.to_owned();
    let client_id = validate_client_id(&client_id).map_err(bad)?.to_owned();
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let room_id = default_room(&state).await?;
    let (reply, done) = tokio::sync::oneshot::channel();
    let message = NewMessage {
        room_id,
        room: DEFAULT_ROOM.to_owned(),
        client_id,
        author_id: Some(user.id),
        author: user.display_name,
        body,
    };
    state.sequencer.post(message, PostReply::Call(reply)).await.map_err(super::ssr::internal)?;
    done.await.map_err(super::ssr::internal)?.map_err(super::ssr::internal)
}
