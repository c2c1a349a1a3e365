//! The HTTP status of a refused server function call, from its error's code.
//!
//! Leptos answers every server function error with 500. Banter's functions answer with an
//! [`ApiError`], whose code says whose fault it was; this layer reads the code from the body
//! and sets the status that goes with it ([`ApiCode::status`]), and `Retry-After` for
//! `rate_limited`. One place, so no function sets a status of its own and none can forget.
//! Only answers marked as server function errors are read (a small JSON body); everything
//! else passes untouched. Plain forms were already turned into redirects (302) upstream and
//! keep them.
//!
//! It also counts every 500 the server answers ([`internal_errors_total`], on `/metrics`): a
//! 500 is a fault of the server, and the test suite fails on any.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

use crate::api_error::ApiError;

/// Largest error body read; an [`ApiError`] is a code and a sentence.
const MAX_ERROR_BODY_BYTES: usize = 16 * 1024;

/// 500s answered since the process started, by any server in it.
static INTERNAL_ERRORS: AtomicU64 = AtomicU64::new(0);

/// How many 500s this process has answered.
pub fn internal_errors_total() -> u64 {
    INTERNAL_ERRORS.load(Ordering::Relaxed)
}

/// Count the 500s (every route's).
pub async fn count_internal_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        INTERNAL_ERRORS.fetch_add(1, Ordering::Relaxed);
        tracing::error!(path, "answered 500");
    }
    response
}

/// Set the status of a server function's error answer from its code.
pub async fn from_code(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "a server function's error answer could not be read");
            return Response::from_parts(parts, Body::empty());
        }
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status = StatusCode::from_u16(error.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(seconds) = error.retry_after {
            parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
