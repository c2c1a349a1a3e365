//! The error every server function answers with: a stable `code` a program branches on and a
//! `message` a person reads, as JSON `{"code": …, "message": …}`.
//!
//! Why a type of its own instead of Leptos' `ServerFnError`: that one is a string answered
//! with HTTP 500 for every mistake, so monitoring counts a typo as an outage and a bot retries
//! a request that can never succeed. Here the code decides the status ([`ApiCode::status`]):
//! the server's router sets it from the body (`server::edge::api_status`), so every server
//! function gets the same mapping without setting a status itself. The upload endpoint
//! answers the same shape with its own codes.
//!
//! Shared by both builds: the page shows [`ApiError::message`] of a failed call as it is.

use serde::{Deserialize, Serialize};

/// What went wrong, for programs. Stable: `docs/protocol.md` lists them with their statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ApiCode {
    /// A field is missing, not of its type, or outside what it may be.
    InvalidField,
    /// A message with no text (only whitespace) and nothing attached.
    EmptyBody,
    /// A message over its length limit.
    BodyTooLong,
    /// A `client_id` that is empty, too long or of other characters.
    InvalidClientId,
    /// No session: sign in first.
    SignedOut,
    /// Sign-in: no such username or the wrong password (deliberately the same).
    WrongPassword,
    /// Signed in, but this is not yours to do.
    NotAllowed,
    /// Posting to a public room read without joining it.
    NotMember,
    /// No such thing, or one you may not know of (the same answer on purpose).
    NotFound,
    /// The name (a username, a room's name) is taken.
    NameTaken,
    /// At a limit of how many one may keep (saved messages …): remove one first.
    LimitReached,
    /// Over an allowance; `retry_after` says when to try again.
    RateLimited,
    /// The server could not do it just now (the database, a service it needs); try again.
    Unavailable,
    /// The server's own fault, logged with its cause.
    Internal,
}

impl ApiCode {
    /// The HTTP status this code is answered with.
    pub fn status(self) -> u16 {
        match self {
            ApiCode::InvalidField | ApiCode::EmptyBody | ApiCode::InvalidClientId => 400,
            ApiCode::BodyTooLong => 413,
            ApiCode::SignedOut | ApiCode::WrongPassword => 401,
            ApiCode::NotAllowed | ApiCode::NotMember => 403,
            ApiCode::NotFound => 404,
            ApiCode::NameTaken | ApiCode::LimitReached => 409,
            ApiCode::RateLimited => 429,
            ApiCode::Unavailable => 503,
            ApiCode::Internal => 500,
        }
    }
}

/// A refused call: what a program branches on, and what a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ApiCode,
    pub message: String,
    /// With `rate_limited`: seconds until trying again is worth it (also `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ApiCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after: None }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ApiCode::InvalidField, message)
    }

    pub fn not_found() -> Self {
        Self::new(ApiCode::NotFound, "not found")
    }

    pub fn signed_out() -> Self {
        Self::new(ApiCode::SignedOut, "sign in first")
    }

    pub fn not_allowed(message: impl Into<String>) -> Self {
        Self::new(ApiCode::NotAllowed, message)
    }

    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self { retry_after: Some(retry_after_secs), ..Self::new(ApiCode::RateLimited, message) }
    }

    pub fn unavailable() -> Self {
        Self::new(ApiCode::Unavailable, "the server could not do that just now; try again")
    }
}

impl From<crate::protocol::InputError> for ApiError {
    fn from(error: crate::protocol::InputError) -> Self {
        use crate::protocol::ErrorCode;
        let code = match error.code() {
            ErrorCode::EmptyBody => ApiCode::EmptyBody,
            ErrorCode::BodyTooLong => ApiCode::BodyTooLong,
            ErrorCode::InvalidClientId => ApiCode::InvalidClientId,
            _ => ApiCode::InvalidField,
        };
        Self::new(code, error.to_string())
    }
}

/// Mistakes the framework finds before a function runs (a missing field, a number that is
/// not one) are the caller's: 400. A call that never reached the server (in the browser) is
/// `unavailable`.
impl leptos::server_fn::error::FromServerFnError for ApiError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(detail) | E::Deserialization(detail) | E::MissingArg(detail) => {
                Self::invalid(format!("the request's fields are not what this call takes: {detail}"))
            }
            E::UnsupportedRequestMethod(method) => {
                Self::invalid(format!("this call is made with POST, not {method}"))
            }
            E::Request(detail) => {
                Self::new(ApiCode::Unavailable, format!("the server could not be reached: {detail}"))
            }
            E::Registration(_)
            | E::Serialization(_)
            | E::ServerError(_)
            | E::Response(_)
            | E::MiddlewareError(_) => Self::new(ApiCode::Internal, "the server could not do that"),
        }
    }
}

impl From<leptos::server_fn::error::ServerFnErrorErr> for ApiError {
    fn from(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::FromServerFnError as _;
        Self::from_server_fn_error(value)
    }
}

/// As an answer of a plain handler (the bot API): the status its code says, `Retry-After` when
/// waiting helps, and the `{"code","message"}` body.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.code.status())
            .unwrap_or(axum::http::StatusCode::BAD_REQUEST);
        let retry_after = self.retry_after;
        let mut response = (status, axum::Json(self)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_form_is_code_and_message() {
        let error = ApiError::rate_limited("slow down", 2);
        let json = serde_json::to_value(&error).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"code": "rate_limited", "message": "slow down", "retry_after": 2})
        );
        let plain = serde_json::to_value(ApiError::not_found()).expect("serializes");
        assert_eq!(plain, serde_json::json!({"code": "not_found", "message": "not found"}));
    }

    #[test]
    fn a_client_mistake_is_never_a_server_error() {
        use leptos::server_fn::error::{FromServerFnError as _, ServerFnErrorErr};
        let args = ApiError::from_server_fn_error(ServerFnErrorErr::Args("missing field `body`".into()));
        assert_eq!((args.code, args.code.status()), (ApiCode::InvalidField, 400));
        assert!(args.message.contains("missing field `body`"), "{}", args.message);
    }
}
