//! Server functions: typed calls the page makes to the server, and the no-JavaScript forms.
//!
//! Thin on purpose: each body reads the shared state and the caller's session from context
//! and calls into `crate::server`. Every one checks the session itself; a page that hides a
//! button is not a permission check.
//!
//! - [`call`]: how the page calls them (one `fetch` for all, in the browser).
//! - [`chat`]: the room's first paint, older pages, posting without a WebSocket.
//! - [`accounts`]: sign-up, sign-in, sign-out, the profile.
//! - [`blocks`]: blocking and unblocking people, the list of whom one blocks.
//! - [`email`]: a person's email address, digests, "Forgot password?".
//! - [`exports`]: archives of one's data (and an administrator's of a room), their progress.
//! - [`bots`]: bot accounts and their tokens, from their owner's profile.
//! - [`rooms`]: finding and creating rooms, conversations, invitations.
//! - [`moderation`]: promoting moderators, the moderation log.
//! - [`integrations`]: a room's incoming webhooks, for its moderators.
//! - [`notifications`]: a room's notification level, do not disturb.
//! - [`push`]: Web Push subscriptions.
//! - [`search`]: searching the messages of one's rooms.
//! - [`saved`]: saving messages for later, the `/saved` page.
//! - [`drafts`]: what is typed and not sent, kept for other devices.
//! - [`threads`]: following threads, the `/threads` view, what has been read of a thread.
//! - [`receipts`]: read positions and read receipts, and turning receipts off.

pub mod accounts;
pub mod blocks;
pub mod bots;
pub mod call;
pub mod chat;
pub mod drafts;
pub mod email;
pub mod exports;
pub mod form_error;
pub mod integrations;
pub mod moderation;
pub mod notifications;
pub mod push;
pub mod receipts;
pub mod reports;
pub mod rooms;
pub mod saved;
pub mod search;
pub mod second_factor;
pub mod threads;

pub use accounts::*;
pub use blocks::*;
pub use bots::*;
pub use call::call;
pub use chat::*;
pub use drafts::*;
pub use email::*;
pub use exports::*;
pub use form_error::FormError;
pub use integrations::*;
pub use moderation::*;
pub use notifications::*;
pub use push::*;
pub use receipts::*;
pub use reports::*;
pub use rooms::*;
pub use saved::*;
pub use search::*;
pub use second_factor::*;
pub use threads::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::ids::UserId;
    use leptos::prelude::*;

    use super::FormError;
    use crate::api_error::ApiError;
    use crate::server::AppState;
    use crate::server::accounts::users::User;

    pub fn state() -> Result<AppState, ApiError> {
        use_context::<AppState>().ok_or_else(|| internal("server state missing from the context"))
    }

    /// The server's own fault: logged with its cause, answered 500 without it.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "server function failed");
        ApiError::new(crate::api_error::ApiCode::Internal, "the server could not do that just now; try again")
    }

    /// The store (or another service) failed: logged, answered 503 (`unavailable`).
    pub fn unavailable(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "server function could not reach what it needs");
        ApiError::unavailable()
    }

    /// The request's headers.
    pub async fn headers() -> Result<axum::http::HeaderMap, ApiError> {
        leptos_axum::extract().await.map_err(internal)
    }

    /// The signed-in user making this request, if any.
    pub async fn user(state: &AppState) -> Result<Option<User>, ApiError> {
        let headers = headers().await?;
        crate::server::accounts::auth::current_user(&state.store, &headers).await.map_err(unavailable)
    }

    /// End every open socket of `user_id`, here and on every other node (signed out): how
    /// many were here.
    pub fn end_sockets_of(state: &AppState, user_id: UserId) -> usize {
        let ended = state.hub.end_user(user_id, crate::protocol::CLOSE_SIGNED_OUT);
        if let Some(cluster) = &state.cluster {
            cluster.publish(crate::server::realtime::cluster::ClusterEvent::EndUser {
                user_id,
                code: crate::protocol::CLOSE_SIGNED_OUT,
            });
        }
        ended
    }

    /// Close the sockets of the session `id`, on every node (the session itself is gone).
    pub fn end_session_sockets(state: &AppState, id: &crate::server::accounts::users::SessionId) {
        state.hub.end_session(id, crate::protocol::CLOSE_SIGNED_OUT);
        if let Some(cluster) = &state.cluster {
            cluster.publish(crate::server::realtime::cluster::ClusterEvent::EndSession {
                session: id.to_hex(),
                code: crate::protocol::CLOSE_SIGNED_OUT,
            });
        }
    }

    /// The signed-in user, or the error every protected call gives without one.
    pub async fn signed_in(state: &AppState) -> Result<User, ApiError> {
        user(state).await?.ok_or_else(ApiError::signed_out)
    }

    /// Whether the request is a plain form post (it accepts HTML): it can only be sent back to
    /// a page. Scripts — the page's own calls and bots — read an error value instead.
    pub fn from_plain_form() -> bool {
        use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
        })
    }

    /// Refuse a form: a plain form goes back to `page` with `?error=<code>` (and `extra`, an
    /// already encoded `&name=value` to keep what was typed); a script gets the JSON error.
    pub fn refuse(page: &str, error: FormError, extra: &str) -> Result<(), ApiError> {
        if !from_plain_form() {
            return Err(error.api_error());
        }
        leptos_axum::redirect(&format!("{page}?error={}{extra}", error.code()));
        Ok(())
    }

    pub fn set_cookie(value: &str) {
        let value = axum::http::HeaderValue::from_str(value);
        if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), value) {
            response.append_header(axum::http::header::SET_COOKIE, value);
        }
    }
}
