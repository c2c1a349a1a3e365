//! Sign-up, sign-in, sign-out and the profile.
//!
//! Each answers with a redirect whether JavaScript is on or not: onward on success, back to
//! the form with an error code in the query otherwise. A plain form post cannot carry an
//! error value back to a page without scripts, and one path for both means the message a
//! person sees is the same either way. The codes are [`FormError`]s; the page turns them
//! into words, so nothing from the query is ever shown as it came.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Why a form came back. In the redirect's query as `?error=<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormError {
    /// Sign-in: no such username, or the wrong password (deliberately not told apart).
    WrongPassword,
    /// Sign-in: too many failures for this username or from this address.
    Throttled,
    InvalidUsername,
    InvalidPassword,
    UsernameTaken,
    InvalidName,
    InvalidStatus,
    /// Sign-up: too many accounts made from this address lately.
    TooManySignups,
    /// The store failed; nothing changed.
    Unavailable,
}

impl FormError {
    pub fn code(self) -> &'static str {
        match self {
            FormError::WrongPassword => "wrong-password",
            FormError::Throttled => "throttled",
            FormError::InvalidUsername => "invalid-username",
            FormError::InvalidPassword => "invalid-password",
            FormError::UsernameTaken => "username-taken",
            FormError::InvalidName => "invalid-name",
            FormError::InvalidStatus => "invalid-status",
            FormError::TooManySignups => "too-many-signups",
            FormError::Unavailable => "unavailable",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            FormError::WrongPassword,
            FormError::Throttled,
            FormError::InvalidUsername,
            FormError::InvalidPassword,
            FormError::UsernameTaken,
            FormError::InvalidName,
            FormError::InvalidStatus,
            FormError::TooManySignups,
            FormError::Unavailable,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }

    /// What the person reads.
    pub fn message(self) -> String {
        use crate::accounts::AccountError;
        match self {
            FormError::WrongPassword => "Wrong username or password.".to_owned(),
            FormError::Throttled => format!(
                "Too many failed sign-ins. Wait {} minutes, then try again.",
                crate::accounts::SIGNIN_LOCKOUT_MINUTES
            ),
            FormError::InvalidUsername => capitalized(&AccountError::InvalidUsername.to_string()),
            FormError::InvalidPassword => capitalized(&AccountError::InvalidPassword.to_string()),
            FormError::UsernameTaken => "That username is taken; pick another.".to_owned(),
            FormError::InvalidName => {
                format!("A display name is 1–{} characters on one line.", crate::protocol::MAX_NAME_CHARS)
            }
            FormError::InvalidStatus => capitalized(&AccountError::InvalidStatus.to_string()),
            FormError::TooManySignups => {
                "Many accounts were made from your network just now. Try again in an hour.".to_owned()
            }
            FormError::Unavailable => "The server could not do that just now; try again.".to_owned(),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::FormError;

    /// Back to `form` with `error`, keeping a username typed so far.
    pub fn back(form: &str, error: FormError, username: Option<&str>) {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        let mut to = format!("{form}?error={}", error.code());
        if let Some(username) = username.filter(|u| !u.is_empty()) {
            to.push_str(&format!("&username={}", utf8_percent_encode(username, NON_ALPHANUMERIC)));
        }
        leptos_axum::redirect(&to);
    }

    /// Start a session for `user_id`: the cookie goes out with this response.
    pub async fn start_session(state: &crate::server::AppState, user_id: i64) -> Result<(), FormError> {
        let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
        let user_agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
        let token =
            state.store.create_session(user_id, user_agent.unwrap_or_default()).await.map_err(|error| {
                tracing::error!(%error, "cannot start a session");
                FormError::Unavailable
            })?;
        let secure = crate::server::session_cookie::over_https(&headers);
        super::super::ssr::set_cookie(&crate::server::session_cookie::set(&token.0, secure));
        Ok(())
    }
}

/// Create an account and sign in. The display name starts as the username.
#[server(endpoint = "sign_up")]
pub async fn sign_up(username: String, password: String) -> Result<(), ServerFnError> {
    use crate::accounts::{normalize_username, validate_password};
    use crate::server::users::UserError;

    let state = super::ssr::state()?;
    let axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr> =
        leptos_axum::extract().await?;
    if !state.take(&state.limits.signups, "signups", &peer.ip()).await {
        tracing::warn!(address = %peer.ip(), "sign-up throttled");
        ssr::back("/signup", FormError::TooManySignups, None);
        return Ok(());
    }
    let Ok(name) = normalize_username(&username) else {
        ssr::back("/signup", FormError::InvalidUsername, Some(username.trim()));
        return Ok(());
    };
    if validate_password(&password).is_err() {
        ssr::back("/signup", FormError::InvalidPassword, Some(&name));
        return Ok(());
    }
    let hash = match crate::server::passwords::hash(password).await {
        Ok(hash) => hash,
        Err(error) => {
            tracing::warn!(%error, "cannot hash a new password");
            ssr::back("/signup", FormError::Unavailable, Some(&name));
            return Ok(());
        }
    };
    match state.store.create_user(&name, &hash, &name).await {
        Ok(user) => {
            tracing::info!(user = user.id, "signed up");
            // New people join the default room.
            let general = state.store.room_for(user.id, crate::protocol::DEFAULT_ROOM).await;
            let joined = match general {
                Ok(Some(room)) => state.store.join_public(&room, user.id).await,
                Ok(None) => Ok(()),
                Err(error) => Err(error),
            };
            if let Err(error) = joined {
                tracing::warn!(%error, "cannot add a new account to the default room");
            }
            match ssr::start_session(&state, user.id).await {
                Ok(()) => leptos_axum::redirect("/"),
                Err(error) => ssr::back("/signin", error, Some(&name)),
            }
        }
        Err(UserError::UsernameTaken) => ssr::back("/signup", FormError::UsernameTaken, Some(&name)),
        Err(error) => {
            tracing::error!(%error, "cannot create an account");
            ssr::back("/signup", FormError::Unavailable, Some(&name));
        }
    }
    Ok(())
}

/// Check a username and password and start a session. Attempts are counted before the check,
/// per username and address ([`SigninThrottle`](crate::server::signin_throttle::SigninThrottle)).
#[server(endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<(), ServerFnError> {
    use std::time::Instant;

    use axum::extract::ConnectInfo;

    use crate::server::shared_limits::Verdict;

    let state = super::ssr::state()?;
    let ConnectInfo(peer): ConnectInfo<std::net::SocketAddr> = leptos_axum::extract().await?;
    // A name that cannot be an account's is not worth a hash, nor a key in the throttle.
    let Ok(name) = crate::accounts::normalize_username(&username) else {
        ssr::back("/signin", FormError::WrongPassword, None);
        return Ok(());
    };
    let attempt = match state.throttle.begin(&name, peer.ip(), Instant::now()) {
        Ok(attempt) => attempt,
        Err(_) => {
            tracing::warn!(address = %peer.ip(), "sign-in throttled");
            ssr::back("/signin", FormError::Throttled, Some(&name));
            return Ok(());
        }
    };
    // With several nodes, the attempts made on all of them count too.
    let shared = state.shared_limits.clone();
    if let Some(shared) = &shared
        && let Verdict::Wait(_) = shared.begin(&name, peer.ip()).await
    {
        tracing::warn!(address = %peer.ip(), "sign-in throttled over all nodes");
        state.throttle.cancel(attempt);
        ssr::back("/signin", FormError::Throttled, Some(&name));
        return Ok(());
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
            ssr::back("/signin", FormError::Unavailable, Some(&name));
            return Ok(());
        }
    };
    let (user, stored) = found.map_or((None, None), |(user, hash)| (Some(user), Some(hash)));
    let matches = match crate::server::passwords::verify(password, stored).await {
        Ok(matches) => matches,
        Err(error) => {
            tracing::warn!(%error, "cannot check a password");
            state.throttle.cancel(attempt);
            give_back(false).await;
            ssr::back("/signin", FormError::Unavailable, Some(&name));
            return Ok(());
        }
    };
    match user.filter(|_| matches) {
        Some(user) => {
            state.throttle.succeeded(attempt);
            give_back(true).await;
            match ssr::start_session(&state, user.id).await {
                Ok(()) => leptos_axum::redirect("/"),
                Err(error) => ssr::back("/signin", error, Some(&name)),
            }
        }
        None => {
            state.throttle.failed(attempt);
            ssr::back("/signin", FormError::WrongPassword, Some(&name));
        }
    }
    Ok(())
}

/// End this browser's session, everywhere it was copied.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ServerFnError> {
    use crate::server::session_cookie;

    let state = super::ssr::state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    if let Some(token) = session_cookie::read(&headers) {
        state.store.delete_session(&token).await.map_err(super::ssr::internal)?;
        // The session's open sockets end too, whichever tab or device holds them.
        let id = crate::server::users::SessionId::of(&token);
        state.hub.end_session(&id, crate::protocol::CLOSE_SIGNED_OUT);
        if let Some(cluster) = &state.cluster {
            cluster.publish(crate::server::cluster::ClusterEvent::EndSession {
                session: id.to_hex(),
                code: crate::protocol::CLOSE_SIGNED_OUT,
            });
        }
    }
    super::ssr::set_cookie(&session_cookie::clear(session_cookie::over_https(&headers)));
    leptos_axum::redirect("/signin");
    Ok(())
}

/// End every session of the signed-in person, on every device, and their open sockets.
#[server(endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), ServerFnError> {
    use crate::server::session_cookie;

    let state = super::ssr::state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    if let Some(user) = super::ssr::user(&state).await? {
        state.store.delete_sessions_of(user.id).await.map_err(super::ssr::internal)?;
        let ended = state.hub.end_user(user.id, crate::protocol::CLOSE_SIGNED_OUT);
        if let Some(cluster) = &state.cluster {
            cluster.publish(crate::server::cluster::ClusterEvent::EndUser {
                user_id: user.id,
                code: crate::protocol::CLOSE_SIGNED_OUT,
            });
        }
        tracing::info!(user = user.id, sockets = ended, "signed out everywhere");
    }
    super::ssr::set_cookie(&session_cookie::clear(session_cookie::over_https(&headers)));
    leptos_axum::redirect("/signin");
    Ok(())
}

/// The signed-in person's sessions for the profile page, the most recently used first.
#[server(endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<crate::model::SessionSummary>, ServerFnError> {
    use crate::server::{session_cookie, users::SessionId};

    let state = super::ssr::state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(Vec::new()) };
    let this = session_cookie::read(&headers).map(|token| SessionId::of(&token));
    let sessions = state.store.sessions_of(user.id).await.map_err(super::ssr::internal)?;
    Ok(sessions
        .into_iter()
        .map(|session| crate::model::SessionSummary {
            device: crate::server::user_agent::describe(&session.user_agent),
            this_one: Some(&session.id) == this.as_ref(),
            started_at: session.created_at,
            last_seen_at: session.last_seen_at,
        })
        .collect())
}

/// Change the signed-in person's display name and status. Open pages see the new name at
/// once (presence), and messages from then on carry it.
#[server(endpoint = "update_profile")]
pub async fn update_profile(display_name: String, status: String) -> Result<(), ServerFnError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let Ok(display_name) = crate::protocol::validate_name(&display_name) else {
        ssr::back("/profile", FormError::InvalidName, None);
        return Ok(());
    };
    let Ok(status) = crate::accounts::validate_status(&status) else {
        ssr::back("/profile", FormError::InvalidStatus, None);
        return Ok(());
    };
    if let Err(error) = state.store.update_profile(user.id, display_name, status).await {
        tracing::error!(%error, "cannot update a profile");
        ssr::back("/profile", FormError::Unavailable, None);
        return Ok(());
    }
    state.hub.rename_user(user.id, display_name);
    leptos_axum::redirect("/profile?saved=1");
    Ok(())
}

/// The signed-in person's profile, for the profile page (`None`: not signed in).
#[server(endpoint = "my_profile")]
pub async fn my_profile() -> Result<Option<crate::model::Profile>, ServerFnError> {
    let state = super::ssr::state()?;
    Ok(super::ssr::user(&state).await?.map(|user| user.profile()))
}
