//! `GET /auth/oidc/start` and `GET /auth/oidc/callback`: browser navigations, so every refusal
//! is a redirect to the sign-in page with `?error=<code>`, which the page turns into a sentence
//! (never echoing what the provider or the URL said). Without `--oidc-issuer` both are 404.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::flows::{FLOW_COOKIE, FLOW_VALID_MS, PendingSignIn};
use super::identities::Found;
use super::provider::{CALLBACK_PATH, SsoError};
use crate::api::FormError;
use crate::api_error::{ApiCode, ApiError};
use crate::model::now_ms;
use crate::server::AppState;
use crate::server::accounts::session_cookie;

/// Back to the sign-in page, saying why.
fn refused(error: FormError) -> Response {
    let mut response = Redirect::to(&format!("/signin?error={}", error.code())).into_response();
    // The sign-in is over either way: its cookie goes.
    if let Ok(value) = HeaderValue::from_str(&flow_cookie("", 0, false)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `Set-Cookie` for the pending sign-in's `state`, sent back only to the callback (empty, 0:
/// its removal).
fn flow_cookie(state: &str, max_age_secs: u64, secure: bool) -> String {
    session_cookie::lax(FLOW_COOKIE, state, CALLBACK_PATH, max_age_secs, secure)
}

fn not_configured() -> Response {
    ApiError::new(ApiCode::NotFound, "This server has no single sign-on.").into_response()
}

/// `GET /auth/oidc/start`: a new sign-in, sent to the provider.
pub async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = &state.single_sign_on else { return not_configured() };
    if !state.take(&state.limits.sso_starts, &peer.ip()).await {
        tracing::warn!(address = %peer.ip(), "single sign-on starts throttled");
        return refused(FormError::SsoThrottled);
    }
    let begun = match provider.begin().await {
        Ok(begun) => begun,
        Err(error) => {
            tracing::warn!(%error, "cannot start a sign-in through the identity provider");
            return refused(FormError::SsoUnavailable);
        }
    };
    let pending = PendingSignIn { nonce: begun.nonce, pkce_verifier: begun.pkce_verifier };
    if let Err(error) = state.store.keep_sso_flow(&begun.state, &pending, now_ms()).await {
        tracing::error!(%error, "cannot keep a pending sign-in");
        return refused(FormError::Unavailable);
    }
    let max_age = u64::try_from(FLOW_VALID_MS / 1000).unwrap_or(0);
    let cookie = flow_cookie(&begun.state, max_age, session_cookie::over_https(&headers));
    let mut response = Redirect::to(&begun.url).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /auth/oidc/callback?code=…&state=…`: the provider sends the browser back here.
pub async fn callback(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = &state.single_sign_on else { return not_configured() };
    if let Some(error) = query.get("error") {
        // The person cancelled, or the provider refused them: its words go to the log only.
        tracing::info!(error = %error.chars().take(100).collect::<String>(), "the identity provider sent a sign-in back refused");
        return refused(FormError::SsoFailed);
    }
    let (Some(code), Some(returned_state)) = (query.get("code"), query.get("state")) else {
        return refused(FormError::SsoExpired);
    };
    // Started in this browser: a callback URL carried to another browser gets nothing.
    if session_cookie::named(&headers, FLOW_COOKIE) != Some(returned_state.as_str()) {
        tracing::warn!("a sign-in came back to a browser that did not start it");
        return refused(FormError::SsoExpired);
    }
    let pending = match state.store.take_sso_flow(returned_state, now_ms()).await {
        Ok(Some(pending)) => pending,
        Ok(None) => return refused(FormError::SsoExpired),
        Err(error) => {
            tracing::error!(%error, "cannot read a pending sign-in");
            return refused(FormError::Unavailable);
        }
    };
    let identity = match provider.finish(code, pending.pkce_verifier, pending.nonce).await {
        Ok(identity) => identity,
        Err(error @ SsoError::Unreachable(_)) => {
            tracing::warn!(%error, "cannot finish a sign-in through the identity provider");
            return refused(FormError::SsoUnavailable);
        }
        Err(error) => {
            tracing::warn!(%error, "a sign-in through the identity provider was refused");
            return refused(FormError::SsoFailed);
        }
    };
    let user = match state.store.account_for_identity(&identity).await {
        Ok(Found::Existing(user)) => user,
        Ok(Found::Created(user)) => {
            tracing::info!(user = %user.id, username = %user.username, "account made by a first sign-in through the identity provider");
            crate::server::accounts::welcome::welcome(&state, user.id).await;
            user
        }
        Ok(Found::Deactivated) => return refused(FormError::Deactivated),
        Err(error) => {
            tracing::error!(%error, "cannot find or make the account of a sign-in");
            return refused(FormError::Unavailable);
        }
    };
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let token = match state.store.create_session(user.id, user_agent).await {
        Ok(token) => token,
        Err(error) => {
            tracing::error!(%error, "cannot start a session");
            return refused(FormError::Unavailable);
        }
    };
    tracing::info!(user = %user.id, "signed in through the identity provider");
    let secure = session_cookie::over_https(&headers);
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    for cookie in [session_cookie::set(&token.0, secure), flow_cookie("", 0, secure)] {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}
