//! Server functions: typed calls the page makes to the server, and the no-JavaScript forms.
//!
//! Thin on purpose: each body reads the shared state and the caller's session from context
//! and calls into `crate::server`. Every one checks the session itself; a page that hides a
//! button is not a permission check.
//!
//! - [`chat`]: the room's first paint, older pages, posting without a WebSocket.
//! - [`accounts`]: sign-up, sign-in, sign-out, the profile.
//! - [`rooms`]: finding and creating rooms, conversations, invitations.
//! - [`moderation`]: promoting moderators, the moderation log.
//! - [`notifications`]: a room's notification level, do not disturb.
//! - [`push`]: Web Push subscriptions.
//! - [`search`]: searching the messages of one's rooms.

pub mod accounts;
pub mod chat;
pub mod moderation;
pub mod notifications;
pub mod push;
pub mod rooms;
pub mod search;

pub use accounts::*;
pub use chat::*;
pub use moderation::*;
pub use notifications::*;
pub use push::*;
pub use rooms::*;
pub use search::*;

#[cfg(feature = "ssr")]
mod ssr {
    use leptos::prelude::*;

    use crate::server::AppState;
    use crate::server::users::User;

    pub fn state() -> Result<AppState, ServerFnError> {
        use_context::<AppState>().ok_or_else(|| ServerFnError::new("server state missing"))
    }

    pub fn internal(error: impl std::fmt::Display) -> ServerFnError {
        tracing::error!(%error, "server function failed");
        ServerFnError::new("the server could not do that just now; try again")
    }

    /// The signed-in user making this request, if any.
    pub async fn user(state: &AppState) -> Result<Option<User>, ServerFnError> {
        let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
        crate::server::auth::current_user(&state.store, &headers).await.map_err(internal)
    }

    /// The signed-in user, or the error every protected call gives without one.
    pub async fn signed_in(state: &AppState) -> Result<User, ServerFnError> {
        user(state).await?.ok_or_else(|| ServerFnError::new("sign in first"))
    }

    pub fn set_cookie(value: &str) {
        let value = axum::http::HeaderValue::from_str(value);
        if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), value) {
            response.append_header(axum::http::header::SET_COOKIE, value);
        }
    }
}
