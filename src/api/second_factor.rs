//! A second factor: setting one up on the security page (`/profile/security`), the code asked
//! for after the password (`/signin/code`), and turning it off. Every call is a plain form's
//! too: success redirects onward, a refusal goes back to its page with `?error=<code>`.

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
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::api_error::ApiError;
    use crate::server::AppState;
    use crate::server::accounts::second_factor::pending::pending_token;
    use crate::server::accounts::users::User;

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
        let user = state.store.user_by_id(user_id).await.map_err(super::super::ssr::unavailable)?;
        Ok(user.map(|user| (user, Some(token))))
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
    let view = SecondFactorView {
        state: FactorState::Off,
        secret: None,
        qr_svg: None,
        recovery_left: 0,
        fresh_codes: Vec::new(),
        signing_in: pending.is_some(),
        passwordless,
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
    tracing::info!(user = user.id, "second factor turned on");
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

/// Turn the second factor off, with the password: every other session of the account ends.
#[server(endpoint = "disable_totp")]
pub async fn disable_totp(password: String) -> Result<(), ApiError> {
    use crate::server::accounts::session_cookie;
    use crate::server::accounts::users::SessionId;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let stored = state.store.user_for_signin(&user.username).await.map_err(super::ssr::unavailable)?;
    let matches = crate::server::accounts::passwords::verify(password, stored.map(|(_, hash)| hash))
        .await
        .map_err(super::ssr::unavailable)?;
    if !matches {
        return super::ssr::refuse(SECURITY_PATH, FormError::WrongPassword, "");
    }
    let headers = super::ssr::headers().await?;
    let current = session_cookie::read(&headers).map(|token| SessionId::of(&token));
    let others = state.store.sessions_of(user.id).await.map_err(super::ssr::unavailable)?;
    let keep = current.as_ref().map(|id| id.as_bytes().to_vec()).unwrap_or_default();
    state.store.disable_totp(user.id, &keep).await.map_err(super::ssr::unavailable)?;
    for session in others.into_iter().filter(|session| Some(&session.id) != current.as_ref()) {
        super::ssr::end_session_sockets(&state, &session.id);
    }
    tracing::info!(user = user.id, "second factor turned off; other sessions ended");
    leptos_axum::redirect(SECURITY_PATH);
    Ok(())
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
    tracing::info!(user = user.id, "signed in with a second factor");
    leptos_axum::redirect("/");
    Ok(())
}
