//! Sign-up, sign-in, sign-out and the profile.
//!
//! Each answers success with a redirect onward. A refusal is a [`FormError`]: a plain form
//! goes back to its page with the code in the query, a script (the page's own call, a bot)
//! gets it as a JSON error with a 4xx status; the page shows the same sentence either way.

use crate::ids::Username;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::FormError;

use crate::api_error::ApiError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::FormError;
    use crate::api_error::ApiError;
    use crate::ids::UserId;

    /// Refuse with `error`: a plain form goes back to `form`, keeping a username typed so far.
    pub fn back(form: &str, error: FormError, username: Option<&str>) -> Result<(), ApiError> {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        let kept = username
            .filter(|u| !u.is_empty())
            .map(|u| format!("&username={}", utf8_percent_encode(u, NON_ALPHANUMERIC)))
            .unwrap_or_default();
        super::super::ssr::refuse(form, error, &kept)
    }

    /// A right password for `user_id` (`name`): on to the second step if there is one, else a
    /// session and the chat.
    pub async fn let_in(
        state: &crate::server::AppState,
        user_id: UserId,
        name: &str,
    ) -> Result<(), ApiError> {
        let next = match second_step(state, user_id).await {
            Ok(Some(next)) => next,
            Ok(None) => match start_session(state, user_id).await {
                Ok(()) => "/",
                Err(error) => return back("/signin", error, Some(name)),
            },
            Err(error) => return back("/signin", error, Some(name)),
        };
        leptos_axum::redirect(next);
        Ok(())
    }

    /// After a right password: where the sign-in continues if it needs a second step (a code,
    /// or setting a factor up under `--require-2fa`), with a pending sign-in's cookie set; `None`
    /// if the session may start now.
    pub async fn second_step(
        state: &crate::server::AppState,
        user_id: UserId,
    ) -> Result<Option<&'static str>, FormError> {
        use crate::api::second_factor::{CODE_PATH, SECURITY_PATH};
        use crate::server::accounts::second_factor::pending::{PENDING_VALID_MS, pending_cookie};

        let on = state.store.has_second_factor(user_id).await.map_err(|error| {
            tracing::error!(%error, "cannot read whether an account has a second factor");
            FormError::Unavailable
        })?;
        let next = match (on, state.config.require_2fa) {
            (true, _) => CODE_PATH,
            (false, true) => SECURITY_PATH,
            (false, false) => return Ok(None),
        };
        let token =
            state.store.begin_pending_sign_in(user_id, crate::model::now_ms()).await.map_err(|error| {
                tracing::error!(%error, "cannot keep a pending sign-in");
                FormError::Unavailable
            })?;
        let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
        let secure = crate::server::accounts::session_cookie::over_https(&headers);
        let max_age = u64::try_from(PENDING_VALID_MS / 1000).unwrap_or(0);
        super::super::ssr::set_cookie(&pending_cookie(&token, max_age, secure));
        Ok(Some(next))
    }

    /// Start a session for `user_id`: the cookie goes out with this response.
    pub async fn start_session(state: &crate::server::AppState, user_id: UserId) -> Result<(), FormError> {
        let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
        let user_agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
        let token =
            state.store.create_session(user_id, user_agent.unwrap_or_default()).await.map_err(|error| {
                tracing::error!(%error, "cannot start a session");
                FormError::Unavailable
            })?;
        let secure = crate::server::accounts::session_cookie::over_https(&headers);
        super::super::ssr::set_cookie(&crate::server::accounts::session_cookie::set(&token.0, secure));
        Ok(())
    }
}

/// Create an account and sign in. The display name starts as the username.
#[server(endpoint = "sign_up")]
pub async fn sign_up(username: Username, password: String) -> Result<(), ApiError> {
    use crate::accounts::{normalize_username, validate_password};
    use crate::server::accounts::users::UserError;

    let state = super::ssr::state()?;
    if !state.config.password_sign_in {
        return ssr::back("/signup", FormError::PasswordSignInOff, None);
    }
    let axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr> =
        leptos_axum::extract().await?;
    if !state.take(&state.limits.signups, &peer.ip()).await {
        tracing::warn!(address = %peer.ip(), "sign-up throttled");
        return ssr::back("/signup", FormError::TooManySignups, None);
    }
    let Ok(name) = normalize_username(&username) else {
        return ssr::back("/signup", FormError::InvalidUsername, Some(username.trim()));
    };
    if validate_password(&password).is_err() {
        return ssr::back("/signup", FormError::InvalidPassword, Some(&name));
    }
    let hash = match crate::server::accounts::passwords::hash(password).await {
        Ok(hash) => hash,
        Err(error) => {
            tracing::warn!(%error, "cannot hash a new password");
            return ssr::back("/signup", FormError::Unavailable, Some(&name));
        }
    };
    match state.store.create_user(&name, &hash, &name).await {
        Ok(user) => {
            tracing::info!(user = %user.id, "signed up");
            crate::server::accounts::welcome::welcome(&state, user.id).await;
            // With `--require-2fa`, a second factor is set up before the first session.
            ssr::let_in(&state, user.id, &name).await
        }
        Err(UserError::UsernameTaken) => ssr::back("/signup", FormError::UsernameTaken, Some(&name)),
        Err(error) => {
            tracing::error!(%error, "cannot create an account");
            ssr::back("/signup", FormError::Unavailable, Some(&name))
        }
    }
}

/// Check a username and password and start a session. Attempts are counted before the check,
/// per username and address ([`SigninThrottle`](crate::server::accounts::signin_throttle::SigninThrottle)).
#[server(endpoint = "sign_in")]
pub async fn sign_in(username: Username, password: String) -> Result<(), ApiError> {
    use std::time::Instant;

    use axum::extract::ConnectInfo;

    use crate::server::limits::shared_limits::Verdict;

    let state = super::ssr::state()?;
    if !state.config.password_sign_in {
        return ssr::back("/signin", FormError::PasswordSignInOff, None);
    }
    let ConnectInfo(peer): ConnectInfo<std::net::SocketAddr> = leptos_axum::extract().await?;
    // A name that cannot be an account's is not worth a hash, nor a key in the throttle.
    let Ok(name) = crate::accounts::normalize_username(&username) else {
        return ssr::back("/signin", FormError::WrongPassword, None);
    };
    let attempt = match state.throttle.begin(&name, peer.ip(), Instant::now()) {
        Ok(attempt) => attempt,
        Err(_) => {
            tracing::warn!(address = %peer.ip(), "sign-in throttled");
            return ssr::back("/signin", FormError::Throttled, Some(&name));
        }
    };
    // With several nodes, the attempts made on all of them count too.
    let shared = state.shared_limits.clone();
    if let Some(shared) = &shared
        && let Verdict::Wait(_) = shared.begin(&name, peer.ip()).await
    {
        tracing::warn!(address = %peer.ip(), "sign-in throttled over all nodes");
        state.throttle.cancel(attempt);
        return ssr::back("/signin", FormError::Throttled, Some(&name));
    }
    let give_back = |succeeded: bool| {
        let (shared, name, address) = (shared.clone(), name.clone(), peer.ip());
        async move {
            if let Some(shared) = shared {
                shared.end(&name, address, succeeded).await;
            }
        }
    };
    let found = match state.store.user_for_signin(&name).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "cannot look up an account");
            state.throttle.cancel(attempt);
            give_back(false).await;
            return ssr::back("/signin", FormError::Unavailable, Some(&name));
        }
    };
    let (user, stored) = found.map_or((None, None), |(user, hash)| (Some(user), Some(hash)));
    let matches = match crate::server::accounts::passwords::verify(password, stored).await {
        Ok(matches) => matches,
        Err(error) => {
            tracing::warn!(%error, "cannot check a password");
            state.throttle.cancel(attempt);
            give_back(false).await;
            return ssr::back("/signin", FormError::Unavailable, Some(&name));
        }
    };
    match user.filter(|_| matches) {
        Some(user) => {
            state.throttle.succeeded(attempt);
            give_back(true).await;
            ssr::let_in(&state, user.id, &name).await
        }
        None => {
            state.throttle.failed(attempt);
            ssr::back("/signin", FormError::WrongPassword, Some(&name))
        }
    }
}

/// End this browser's session, everywhere it was copied.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    use crate::server::accounts::session_cookie;

    let state = super::ssr::state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    if let Some(token) = session_cookie::read(&headers) {
        state.store.delete_session(&token).await.map_err(super::ssr::internal)?;
        // The session's open sockets end too, whichever tab or device holds them.
        let id = crate::server::accounts::users::SessionId::of(&token);
        state.hub.end_session(&id, crate::protocol::CLOSE_SIGNED_OUT);
        if let Some(cluster) = &state.cluster {
            cluster.publish(crate::server::realtime::cluster::ClusterEvent::EndSession {
                session: id.to_hex(),
                code: crate::protocol::CLOSE_SIGNED_OUT,
            });
        }
    }
    super::ssr::set_cookie(&session_cookie::clear(session_cookie::over_https(&headers)));
    leptos_axum::redirect("/signin");
    Ok(())
}

/// Set a new password with a reset link's `token` (from `banter admin reset-link`): every
/// session of the account ends, on every device with its sockets, and this browser is signed
/// in with the new password.
#[server(endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), ApiError> {
    use crate::server::accounts::password_resets::RESET_PATH;

    let state = super::ssr::state()?;
    if !state.config.password_sign_in {
        return super::ssr::refuse("/signin", FormError::PasswordSignInOff, "");
    }
    let kept = format!(
        "&token={}",
        percent_encoding::utf8_percent_encode(&token, percent_encoding::NON_ALPHANUMERIC)
    );
    if crate::accounts::validate_password(&password).is_err() {
        return super::ssr::refuse(RESET_PATH, FormError::InvalidPassword, &kept);
    }
    let live =
        state.store.reset_is_live(&token, crate::model::now_ms()).await.map_err(super::ssr::unavailable)?;
    if !live {
        return super::ssr::refuse(RESET_PATH, FormError::InvalidResetLink, "");
    }
    let hash = crate::server::accounts::passwords::hash(password).await.map_err(super::ssr::internal)?;
    // Used once, atomically: of two uses at the same moment, one sets the password.
    let used = state
        .store
        .use_reset(&token, &hash, crate::model::now_ms())
        .await
        .map_err(super::ssr::unavailable)?;
    let Some(user_id) = used else {
        return super::ssr::refuse(RESET_PATH, FormError::InvalidResetLink, "");
    };
    let ended = super::ssr::end_sockets_of(&state, user_id);
    tracing::info!(user = %user_id, sockets = ended, "password reset with a link");
    if let Err(error) = ssr::start_session(&state, user_id).await {
        return ssr::back("/signin", error, None);
    }
    leptos_axum::redirect("/");
    Ok(())
}

/// End every session of the signed-in person, on every device, and their open sockets.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    use crate::server::accounts::session_cookie;

    let state = super::ssr::state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    if let Some(user) = super::ssr::user(&state).await? {
        state.store.delete_sessions_of(user.id).await.map_err(super::ssr::internal)?;
        let ended = super::ssr::end_sockets_of(&state, user.id);
        tracing::info!(user = %user.id, sockets = ended, "signed out everywhere");
    }
    super::ssr::set_cookie(&session_cookie::clear(session_cookie::over_https(&headers)));
    leptos_axum::redirect("/signin");
    Ok(())
}

/// The signed-in person's sessions for the profile page, the most recently used first.
#[server(endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<crate::model::SessionSummary>, ApiError> {
    use crate::server::{accounts::session_cookie, accounts::users::SessionId};

    let state = super::ssr::state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(Vec::new()) };
    let this = session_cookie::read(&headers).map(|token| SessionId::of(&token));
    let sessions = state.store.sessions_of(user.id).await.map_err(super::ssr::internal)?;
    Ok(sessions
        .into_iter()
        .map(|session| crate::model::SessionSummary {
            device: crate::server::accounts::user_agent::describe(&session.user_agent),
            this_one: Some(&session.id) == this.as_ref(),
            started_at: session.created_at,
            last_seen_at: session.last_seen_at,
        })
        .collect())
}

/// Change the signed-in person's display name and status. Open pages see the new name at
/// once (presence), and messages from then on carry it.
#[server(endpoint = "update_profile")]
pub async fn update_profile(display_name: String, status: String) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let Ok(display_name) = crate::protocol::validate_name(&display_name) else {
        return ssr::back("/profile", FormError::InvalidName, None);
    };
    let Ok(status) = crate::accounts::validate_status(&status) else {
        return ssr::back("/profile", FormError::InvalidStatus, None);
    };
    if let Err(error) = state.store.update_profile(user.id, display_name, status).await {
        tracing::error!(%error, "cannot update a profile");
        return ssr::back("/profile", FormError::Unavailable, None);
    }
    state.hub.rename_user(user.id, display_name);
    leptos_axum::redirect("/profile?saved=1");
    Ok(())
}

/// The signed-in person's profile, for the profile page (`None`: not signed in).
#[server(endpoint = "my_profile")]
pub async fn my_profile() -> Result<Option<crate::model::Profile>, ApiError> {
    let state = super::ssr::state()?;
    Ok(super::ssr::user(&state).await?.map(|user| user.profile()))
}

/// Where a person deletes their account (the server's page alone).
pub const DELETE_ACCOUNT_PATH: &str = "/profile/delete";

/// Whether the signed-in person has a password (else they sign in through the identity
/// provider): what confirms deleting their account.
#[server(endpoint = "signs_in_with_password")]
pub async fn signs_in_with_password() -> Result<bool, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let provider = state.store.signs_in_with_provider(user.id).await.map_err(super::ssr::unavailable)?;
    Ok(!provider)
}

/// Delete the signed-in person's account, confirmed with their password (or, for an account
/// of the identity provider, by typing their username in `confirm`). Their messages stay as
/// "Deleted user" unless `messages` is set: then each is deleted, as a sequenced deletion.
/// Every session and socket ends at once.
#[server(endpoint = "delete_account")]
pub async fn delete_account(
    password: Option<String>,
    confirm: Option<String>,
    messages: Option<String>,
) -> Result<(), ApiError> {
    use crate::server::accounts::{account_deletion, session_cookie};

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let passwordless = state.store.signs_in_with_provider(user.id).await.map_err(super::ssr::unavailable)?;
    let confirmed = if passwordless {
        confirm.as_deref().map(str::trim) == Some(user.username.as_str())
    } else {
        let stored = state.store.user_for_signin(&user.username).await.map_err(super::ssr::unavailable)?;
        crate::server::accounts::passwords::verify(password.unwrap_or_default(), stored.map(|(_, hash)| hash))
            .await
            .map_err(super::ssr::unavailable)?
    };
    if !confirmed {
        return super::ssr::refuse(DELETE_ACCOUNT_PATH, FormError::WrongPassword, "");
    }
    let rooms =
        state.store.delete_account(user.id, crate::model::now_ms()).await.map_err(super::ssr::unavailable)?;
    let ended = super::ssr::end_sockets_of(&state, user.id);
    tracing::info!(user = %user.id, sockets = ended, rooms = rooms.len(), "account deleted");
    for room_id in rooms {
        if let Ok(Some(room)) = state.store.room_by_id(room_id).await {
            crate::server::rooms::room_members::changed(&state, &room).await;
        }
    }
    if messages.is_some() {
        let (state, user_id) = (state.clone(), user.id);
        tokio::spawn(async move {
            match account_deletion::delete_messages_of(&state, user_id).await {
                Ok(deleted) => {
                    tracing::info!(user = %user_id, deleted, "a deleted account's messages deleted")
                }
                Err(error) => tracing::warn!(%error, "cannot delete a deleted account's messages"),
            }
        });
    }
    let headers = super::ssr::headers().await?;
    super::ssr::set_cookie(&session_cookie::clear(session_cookie::over_https(&headers)));
    leptos_axum::redirect("/signin");
    Ok(())
}
