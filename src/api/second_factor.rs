//! A second factor: setting one up on the security page (`/profile/security`), the code (or a
//! passkey) asked for after the password (`/signin/code`), and turning it off — the app's
//! codes, or one passkey. Every call is a plain form's too: success redirects onward, a
//! refusal goes back to its page with `?error=<code>`. Adding a passkey and signing in with
//! one are the browser's WebAuthn ceremonies, on JSON endpoints of their own
//! (`server::accounts::passkeys::routes`).

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::FormError;
use crate::api_error::ApiError;

/// The security page: a person's second factor.
pub const SECURITY_PATH: &str = "/profile/security";
/// Where a correct password leads when a code is needed too.
pub const CODE_PATH: &str = "/signin/code";

/// Where a person's second factor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorState {
    Off,
    /// Made, waiting for its first code.
    SettingUp,
    On,
}

/// One of a person's passkeys, as their security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasskeyLine {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What the page after the password offers: a code (an authenticator app is set up), a
/// passkey (one is kept), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FactorsOffered {
    pub code: bool,
    pub passkey: bool,
}

/// The security page's content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecondFactorView {
    pub state: FactorState,
    /// While setting up: the secret to type in, and its QR code (SVG).
    pub secret: Option<String>,
    pub qr_svg: Option<String>,
    /// When on: recovery codes not used yet.
    pub recovery_left: i64,
    /// Recovery codes made just now: shown this once.
    pub fresh_codes: Vec<String>,
    /// Setting up in the middle of signing in (`--require-2fa`): no session yet.
    pub signing_in: bool,
    /// An account without a password (single sign-on): its provider asks for factors.
    pub passwordless: bool,
    /// Whether this server offers passkeys (it has a host name, `--passkey-origin`).
    pub passkeys_offered: bool,
    /// The passkeys kept, oldest first.
    pub passkeys: Vec<PasskeyLine>,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::api_error::ApiError;
    use crate::ids::UserId;
    use crate::server::AppState;
    use crate::server::accounts::second_factor::pending::pending_token;
    use crate::server::accounts::session_cookie;
    use crate::server::accounts::users::{SessionId, User};

    /// Who is setting a factor up: the signed-in person, or — with `--require-2fa` — someone
    /// whose password was right and who has none yet (their pending sign-in's token).
    pub async fn enrolling(state: &AppState) -> Result<Option<(User, Option<String>)>, ApiError> {
        if let Some(user) = super::super::ssr::user(state).await? {
            return Ok(Some((user, None)));
        }
        if !state.config.require_2fa {
            return Ok(None);
        }
        let headers = super::super::ssr::headers().await?;
        let Some(token) = pending_token(&headers) else { return Ok(None) };
        let now = crate::model::now_ms();
        let Some(user_id) =
            state.store.pending_sign_in(&token, now).await.map_err(super::super::ssr::unavailable)?
        else {
            return Ok(None);
        };
        // Only while they have no factor: with one (a passkey), the next step is using it.
        if state.store.has_second_factor(user_id).await.map_err(super::super::ssr::unavailable)? {
            return Ok(None);
        }
        let user = state.store.user_by_id(user_id).await.map_err(super::super::ssr::unavailable)?;
        Ok(user.map(|user| (user, Some(token))))
    }

    /// The signed-in person if `password` is theirs (a factor goes only with it), else the
    /// refusal to answer with.
    pub async fn with_password(
        state: &AppState,
        password: &str,
    ) -> Result<Result<User, super::FormError>, ApiError> {
        let user = super::super::ssr::signed_in(state).await?;
        let stored =
            state.store.user_for_signin(&user.username).await.map_err(super::super::ssr::unavailable)?;
        let matches =
            crate::server::accounts::passwords::verify(password.to_owned(), stored.map(|(_, hash)| hash))
                .await
                .map_err(super::super::ssr::unavailable)?;
        Ok(if matches { Ok(user) } else { Err(super::FormError::WrongPassword) })
    }

    /// The sessions of a person but the one asking: ended in the store by the caller's
    /// transaction (`keep` stays), then their sockets ([`OtherSessions::end_sockets`]).
    pub struct OtherSessions {
        pub keep: Vec<u8>,
        others: Vec<SessionId>,
    }

    impl OtherSessions {
        /// Close the ended sessions' sockets, on every node.
        pub fn end_sockets(self, state: &AppState) {
            for session in &self.others {
                super::super::ssr::end_session_sockets(state, session);
            }
        }
    }

    pub async fn other_sessions(state: &AppState, user_id: UserId) -> Result<OtherSessions, ApiError> {
        let headers = super::super::ssr::headers().await?;
        let current = session_cookie::read(&headers).map(|token| SessionId::of(&token));
        let all = state.store.sessions_of(user_id).await.map_err(super::super::ssr::unavailable)?;
        let keep = current.as_ref().map(|id| id.as_bytes().to_vec()).unwrap_or_default();
        let others =
            all.into_iter().map(|session| session.id).filter(|id| Some(id) != current.as_ref()).collect();
        Ok(OtherSessions { keep, others })
    }

    /// The QR code of `url`, as an SVG element.
    pub fn qr_svg(url: &str) -> Option<String> {
        let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
        Some(
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build(),
        )
    }
}

/// The security page's content for whoever is asking (see [`SecondFactorView`]).
#[server(endpoint = "my_second_factor")]
pub async fn my_second_factor() -> Result<SecondFactorView, ApiError> {
    use crate::server::accounts::second_factor::totp::TotpState;

    let state = super::ssr::state()?;
    let Some((user, pending)) = ssr::enrolling(&state).await? else { return Err(ApiError::signed_out()) };
    let passwordless = state.store.signs_in_with_provider(user.id).await.map_err(super::ssr::unavailable)?;
    let passkeys = state.store.passkey_lines(user.id).await.map_err(super::ssr::unavailable)?;
    let view = SecondFactorView {
        state: FactorState::Off,
        secret: None,
        qr_svg: None,
        recovery_left: 0,
        fresh_codes: Vec::new(),
        signing_in: pending.is_some(),
        passwordless,
        passkeys_offered: state.passkeys.is_some() && !passwordless,
        passkeys,
    };
    let found = state.store.totp_state(user.id, &user.username).await.map_err(super::ssr::unavailable)?;
    Ok(match found {
        TotpState::Off => view,
        TotpState::SettingUp { secret, url } => SecondFactorView {
            state: FactorState::SettingUp,
            qr_svg: ssr::qr_svg(&url),
            secret: Some(secret),
            ..view
        },
        TotpState::On { recovery_left } => {
            let fresh_codes =
                state.store.take_fresh_recovery_codes(user.id).await.map_err(super::ssr::unavailable)?;
            SecondFactorView { state: FactorState::On, recovery_left, fresh_codes, ..view }
        }
    })
}

/// Make a new secret to scan (replacing one not confirmed yet).
#[server(endpoint = "begin_totp")]
pub async fn begin_totp() -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let Some((user, _)) = ssr::enrolling(&state).await? else { return Err(ApiError::signed_out()) };
    if state.store.signs_in_with_provider(user.id).await.map_err(super::ssr::unavailable)? {
        return super::ssr::refuse(SECURITY_PATH, FormError::NoPassword, "");
    }
    let made =
        state.store.begin_totp(user.id, crate::model::now_ms()).await.map_err(super::ssr::unavailable)?;
    if !made {
        return super::ssr::refuse(SECURITY_PATH, FormError::NotAllowed, "");
    }
    leptos_axum::redirect(SECURITY_PATH);
    Ok(())
}

/// Confirm the secret being set up with the code the app shows: the factor is on, and the
/// recovery codes are shown next, once. In the middle of a sign-in, the session starts.
#[server(endpoint = "confirm_totp")]
pub async fn confirm_totp(code: String) -> Result<(), ApiError> {
    use crate::server::accounts::second_factor::pending::pending_cookie;
    use crate::server::accounts::session_cookie::over_https;

    let state = super::ssr::state()?;
    let Some((user, pending)) = ssr::enrolling(&state).await? else { return Err(ApiError::signed_out()) };
    let confirmed = state
        .store
        .confirm_totp(user.id, &code, crate::model::now_ms())
        .await
        .map_err(super::ssr::unavailable)?;
    if !confirmed {
        return super::ssr::refuse(SECURITY_PATH, FormError::WrongCode, "");
    }
    tracing::info!(user = %user.id, "second factor turned on");
    if let Some(token) = pending {
        state.store.end_pending_sign_in(&token).await.map_err(super::ssr::unavailable)?;
        let headers = super::ssr::headers().await?;
        super::ssr::set_cookie(&pending_cookie("", 0, over_https(&headers)));
        if let Err(error) = super::accounts::ssr::start_session(&state, user.id).await {
            return super::ssr::refuse("/signin", error, "");
        }
    }
    leptos_axum::redirect(SECURITY_PATH);
    Ok(())
}

/// Turn the authenticator app off, with the password: every other session of the account ends.
#[server(endpoint = "disable_totp")]
pub async fn disable_totp(password: String) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = match ssr::with_password(&state, &password).await? {
        Ok(user) => user,
        Err(refusal) => return super::ssr::refuse(SECURITY_PATH, refusal, ""),
    };
    let others = ssr::other_sessions(&state, user.id).await?;
    state.store.disable_totp(user.id, &others.keep).await.map_err(super::ssr::unavailable)?;
    others.end_sockets(&state);
    tracing::info!(user = %user.id, "second factor turned off; other sessions ended");
    leptos_axum::redirect(SECURITY_PATH);
    Ok(())
}

/// Remove one passkey, with the password: every other session of the account ends.
#[server(endpoint = "remove_passkey")]
pub async fn remove_passkey(id: i64, password: String) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = match ssr::with_password(&state, &password).await? {
        Ok(user) => user,
        Err(refusal) => return super::ssr::refuse(SECURITY_PATH, refusal, ""),
    };
    let others = ssr::other_sessions(&state, user.id).await?;
    let removed =
        state.store.remove_passkey(user.id, id, &others.keep).await.map_err(super::ssr::unavailable)?;
    if !removed {
        return super::ssr::refuse(SECURITY_PATH, FormError::NotAllowed, "");
    }
    others.end_sockets(&state);
    tracing::info!(user = %user.id, "passkey removed; other sessions ended");
    leptos_axum::redirect(SECURITY_PATH);
    Ok(())
}

/// What the page after the password offers this pending sign-in.
#[server(endpoint = "pending_factors")]
pub async fn pending_factors() -> Result<FactorsOffered, ApiError> {
    use crate::server::accounts::second_factor::pending::pending_token;

    let state = super::ssr::state()?;
    let headers = super::ssr::headers().await?;
    let Some(token) = pending_token(&headers) else { return Err(ApiError::signed_out()) };
    let found = state.store.pending_sign_in(&token, crate::model::now_ms()).await;
    let Some(user_id) = found.map_err(super::ssr::unavailable)? else { return Err(ApiError::signed_out()) };
    Ok(FactorsOffered {
        code: state.store.totp_on(user_id).await.map_err(super::ssr::unavailable)?,
        passkey: state.passkeys.is_some()
            && state.store.has_passkeys(user_id).await.map_err(super::ssr::unavailable)?,
    })
}

/// The code after the password: a current code from the app, or a recovery code. Counted by
/// the sign-in throttle like a password.
#[server(endpoint = "sign_in_code")]
pub async fn sign_in_code(code: String) -> Result<(), ApiError> {
    use std::time::Instant;

    use crate::server::accounts::second_factor::pending::{pending_cookie, pending_token};
    use crate::server::accounts::session_cookie::over_https;

    let state = super::ssr::state()?;
    let axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr> =
        leptos_axum::extract().await?;
    let headers = super::ssr::headers().await?;
    let now = crate::model::now_ms();
    let pending = match pending_token(&headers) {
        Some(token) => state
            .store
            .pending_sign_in(&token, now)
            .await
            .map_err(super::ssr::unavailable)?
            .map(|id| (token, id)),
        None => None,
    };
    let Some((token, user_id)) = pending else {
        return super::ssr::refuse("/signin", FormError::SignInExpired, "");
    };
    let Some(user) = state.store.user_by_id(user_id).await.map_err(super::ssr::unavailable)? else {
        return super::ssr::refuse("/signin", FormError::SignInExpired, "");
    };
    let Ok(attempt) = state.throttle.begin(&user.username, peer.ip(), Instant::now()) else {
        tracing::warn!(address = %peer.ip(), "second factor throttled");
        return super::ssr::refuse(CODE_PATH, FormError::Throttled, "");
    };
    let passed = match state.store.check_second_factor(user.id, &code, now).await {
        Ok(passed) => passed,
        Err(error) => {
            state.throttle.cancel(attempt);
            return Err(super::ssr::unavailable(error));
        }
    };
    if !passed {
        state.throttle.failed(attempt);
        return super::ssr::refuse(CODE_PATH, FormError::WrongCode, "");
    }
    state.throttle.succeeded(attempt);
    state.store.end_pending_sign_in(&token).await.map_err(super::ssr::unavailable)?;
    super::ssr::set_cookie(&pending_cookie("", 0, over_https(&headers)));
    if let Err(error) = super::accounts::ssr::start_session(&state, user.id).await {
        return super::ssr::refuse("/signin", error, "");
    }
    tracing::info!(user = %user.id, "signed in with a second factor");
    leptos_axum::redirect("/");
    Ok(())
}
