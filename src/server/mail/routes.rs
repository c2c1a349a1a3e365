//! Where email links lead. `GET /verify-email?token=…` verifies an address (a link a person
//! opens: it always ends on their email settings, saying whether it worked).
//! `POST /unsubscribe?token=…` turns digests off: the page at `GET /unsubscribe` posts it
//! with one button, and mail clients post it themselves for the one-click unsubscribe of
//! RFC 8058 (`List-Unsubscribe-Post`). A link that is not this server's gets 404 (a page goes
//! back to the unsubscribe page, saying so).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::api::{EMAIL_SETTINGS_PATH, FormError};
use crate::api_error::ApiError;
use crate::server::AppState;
use crate::server::mail::unsubscribe::{UNSUBSCRIBE_PATH, UnsubscribeKey};

/// `GET /verify-email?token=…`.
pub async fn verify(State(state): State<AppState>, Query(query): Query<HashMap<String, String>>) -> Response {
    let token = query.get("token").map_or("", String::as_str);
    match state.store.verify_email(token, crate::model::now_ms()).await {
        Ok(Some((user_id, _))) => {
            tracing::info!(user = %user_id, "email address verified");
            Redirect::to(&format!("{EMAIL_SETTINGS_PATH}?saved=email")).into_response()
        }
        Ok(None) => {
            Redirect::to(&format!("{EMAIL_SETTINGS_PATH}?error={}", FormError::InvalidEmailLink.code()))
                .into_response()
        }
        Err(error) => {
            tracing::error!(%error, "cannot verify an email address");
            ApiError::unavailable().into_response()
        }
    }
}

/// `POST /unsubscribe?token=…`.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let token = query.get("token").map_or("", String::as_str);
    let key = match UnsubscribeKey::load(&state.store).await {
        Ok(key) => key,
        Err(error) => {
            tracing::error!(%error, "cannot load the unsubscribe key");
            return ApiError::unavailable().into_response();
        }
    };
    let Some(user_id) = key.check(token) else {
        let page = headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
        if page {
            return Redirect::to(&format!("{UNSUBSCRIBE_PATH}?error={}", FormError::InvalidEmailLink.code()))
                .into_response();
        }
        return FormError::InvalidEmailLink.api_error().into_response();
    };
    if let Err(error) = state.store.set_email_digests(user_id, false).await {
        tracing::error!(%error, "cannot turn digests off");
        return ApiError::unavailable().into_response();
    }
    tracing::info!(user = %user_id, "digests turned off from an email");
    Redirect::to(&format!("{UNSUBSCRIBE_PATH}?done")).into_response()
}
