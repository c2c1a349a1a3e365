//! Server functions: typed calls the page makes to the server, and the no-JavaScript forms.
//!
//! Thin on purpose: each body reads the shared state from context and calls into
//! `crate::server`. With JavaScript off, a plain form post reaches the same function and
//! leptos_axum redirects back to the page, which then renders with the change.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::HistoryPage;

/// Everything the chat page needs for its first paint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatPage {
    pub room: String,
    /// The display name from the cookie; `None` shows the name picker.
    pub name: Option<String>,
    /// The latest [`HISTORY_PAGE`](crate::protocol::HISTORY_PAGE) messages.
    pub history: HistoryPage,
    /// A fresh `client_id` for the no-JavaScript form, so a re-posted form is stored once.
    pub form_client_id: String,
}

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;

    use crate::protocol::DEFAULT_ROOM;
    use crate::server::AppState;

    pub fn state() -> Result<AppState, ServerFnError> {
        use_context::<AppState>().ok_or_else(|| ServerFnError::new("server state missing"))
    }

    pub async fn default_room(state: &AppState) -> Result<i64, ServerFnError> {
        state
            .store
            .room_id(DEFAULT_ROOM)
            .await
            .map_err(internal)?
            .ok_or_else(|| ServerFnError::new("the default room is missing"))
    }

    pub fn internal(error: impl std::fmt::Display) -> ServerFnError {
        tracing::error!(%error, "server function failed");
        ServerFnError::new("the server could not do that just now; try again")
    }

    pub fn remember_name(name: &str) {
        let cookie = axum::http::HeaderValue::from_str(&crate::server::name_cookie::set(name));
        if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), cookie) {
            response.append_header(axum::http::header::SET_COOKIE, value);
        }
    }
}

/// The first paint of the chat page.
#[server(endpoint = "load_chat")]
pub async fn load_chat() -> Result<ChatPage, ServerFnError> {
    use crate::protocol::{DEFAULT_ROOM, HISTORY_PAGE};
    let state = ssr::state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    let room_id = ssr::default_room(&state).await?;
    let history = state.store.page(room_id, DEFAULT_ROOM, None, HISTORY_PAGE).await.map_err(ssr::internal)?;
    Ok(ChatPage {
        room: DEFAULT_ROOM.to_owned(),
        name: crate::server::name_cookie::read(&headers),
        history,
        form_client_id: uuid::Uuid::new_v4().simple().to_string(),
    })
}

/// The page of messages before `before` (a `seq`), for scrolling up.
#[server(endpoint = "load_older")]
pub async fn load_older(before: i64) -> Result<HistoryPage, ServerFnError> {
    use crate::protocol::{DEFAULT_ROOM, HISTORY_PAGE};
    let state = ssr::state()?;
    let room_id = ssr::default_room(&state).await?;
    state.store.page(room_id, DEFAULT_ROOM, Some(before), HISTORY_PAGE).await.map_err(ssr::internal)
}

/// Remember a display name (the name picker's form without JavaScript).
#[server(endpoint = "set_name")]
pub async fn set_name(name: String) -> Result<(), ServerFnError> {
    let name = crate::protocol::validate_name(&name).map_err(|e| ServerFnError::new(e.to_string()))?;
    ssr::remember_name(name);
    Ok(())
}

/// Post a message without a WebSocket (the composer's form without JavaScript). It goes
/// through the same sequencer as every other message, so open pages see it live.
#[server(endpoint = "post_message")]
pub async fn post_message(name: String, body: String, client_id: String) -> Result<i64, ServerFnError> {
    use crate::protocol::{DEFAULT_ROOM, validate_body, validate_client_id, validate_name};
    use crate::server::sequencer::PostReply;
    use crate::server::store::NewMessage;

    let bad = |e: crate::protocol::InputError| ServerFnError::new(e.to_string());
    let name = validate_name(&name).map_err(bad)?.to_owned();
    let body = validate_body(&body).map_err(bad)?.to_owned();
    let client_id = validate_client_id(&client_id).map_err(bad)?.to_owned();
    let state = ssr::state()?;
    let room_id = ssr::default_room(&state).await?;
    let (reply, done) = tokio::sync::oneshot::channel();
    let message =
        NewMessage { room_id, room: DEFAULT_ROOM.to_owned(), client_id, author: name.clone(), body };
    state.sequencer.post(message, PostReply::Call(reply)).await.map_err(ssr::internal)?;
    let seq = done.await.map_err(ssr::internal)?.map_err(ssr::internal)?;
    ssr::remember_name(&name);
    Ok(seq)
}
