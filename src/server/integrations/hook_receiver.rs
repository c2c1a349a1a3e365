//! `POST /hooks/{token}`: what a CI job, a monitor or any tool that speaks Slack's incoming
//! webhook format sends, posted into the webhook's room as its bot.
//!
//! The payload is the subset of Slack's that tools send: `{"text": "…"}`, optionally a
//! `username` to show the message under (with the bot's own name as "via …"). It arrives as
//! a JSON body, or form-encoded as `payload=<json>` (Slack's other form); a JSON body sent with
//! a form content type (what `curl -d` does) is read as JSON. The text is Markdown, like
//! anyone's. It goes through the one posting path, so the bot's allowance, the text's limits
//! and the room's membership apply as they do to a person; an `Idempotency-Key` header makes
//! a retried POST store once (it becomes the message's `client_id`).
//!
//! The answer is 200 `{"seq"}`, or a refusal as `{"code","message"}` like every endpoint's:
//! a token that is not a live webhook's gets 404, as a revoked one does.

use crate::ids::Username;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::api_error::ApiError;
use crate::server::integrations::bot_api::Posted;
use crate::server::messages::history::Placement;
use crate::server::messages::posting::{Post, post_as};
use crate::server::state::AppState;

/// Where webhooks are sent: `/hooks/<token>`.
pub const HOOKS_PATH: &str = "/hooks/{token}";
/// The header that makes a retried POST store once.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Longest `Idempotency-Key` taken, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;

/// What a webhook is sent (Slack's payload, the part Banter shows).
#[derive(Debug, Deserialize, ToSchema)]
pub struct HookPayload {
    /// The message, Markdown.
    pub text: String,
    /// A name to show the message under, instead of the webhook's (its own name then shows as
    /// "via …").
    #[serde(default)]
    pub username: Option<Username>,
}

/// Post a webhook's payload into its room.
#[utoipa::path(
    post,
    path = "/hooks/{token}",
    params(("token" = String, Path, description = "The webhook's secret, from its URL")),
    request_body = HookPayload,
    responses(
        (status = 200, description = "Stored", body = Posted),
        (status = 400, description = "Not a payload of this shape, an empty text, a bad username or Idempotency-Key", body = ApiError),
        (status = 403, description = "The webhook's bot was taken out of the room", body = ApiError),
        (status = 404, description = "No such webhook, or a revoked one", body = ApiError),
        (status = 413, description = "The text is over its length limit", body = ApiError),
        (status = 429, description = "Over the webhook's allowance (see Retry-After)", body = ApiError),
    )
)]
pub async fn receive(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Posted>, ApiError> {
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(ApiError::not_found());
    }
    let hook = match state.store.hook_for_token(&token).await {
        Ok(Some(hook)) => hook,
        Ok(None) => return Err(ApiError::not_found()),
        Err(error) => {
            tracing::error!(%error, "cannot look up a webhook");
            return Err(ApiError::unavailable());
        }
    };
    let payload = payload(&headers, &body)?;
    let shown_as = match payload.username.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) => Some(
            crate::protocol::validate_name(name)
                .map_err(|error| ApiError::invalid(format!("username: {error}")))?
                .to_owned(),
        ),
        None => None,
    };
    let client_id = client_id(&headers)?;
    let post = Post::new(&client_id, &payload.text, Vec::new(), Placement::default())?;
    let seq =
        post_as(&state, &hook.bot, &hook.room, post, shown_as).await.map_err(|error| error.api_error())?;
    if let Err(error) = state.store.hook_posted(hook.id).await {
        tracing::warn!(%error, hook = hook.id, "cannot note when a webhook last posted");
    }
    tracing::debug!(hook = %hook.id, %seq, "webhook posted");
    Ok(Json(Posted { seq }))
}

/// The payload, from a JSON body or a form's `payload` field.
fn payload(headers: &HeaderMap, body: &[u8]) -> Result<HookPayload, ApiError> {
    let form = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    let field = form
        .then(|| url::form_urlencoded::parse(body).find(|(key, _)| key == "payload").map(|(_, value)| value))
        .flatten();
    let json = field.as_deref().map_or(body, str::as_bytes);
    serde_json::from_slice(json).map_err(|error| {
        ApiError::invalid(format!("send JSON like {{\"text\": \"…\"}} (or a form's `payload`): {error}"))
    })
}

/// The message's `client_id`: from `Idempotency-Key` (the same key, the same message), or a
/// new one.
fn client_id(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(key) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(format!("hook-{}", uuid::Uuid::new_v4().simple()));
    };
    let key = key.as_bytes();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES {
        return Err(ApiError::invalid(format!("Idempotency-Key is 1–{MAX_IDEMPOTENCY_KEY_BYTES} bytes")));
    }
    let digest: String = Sha256::digest(key).iter().take(20).map(|b| format!("{b:02x}")).collect();
    Ok(format!("idem-{digest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).expect("value"));
        }
        headers
    }

    #[test]
    fn payloads_come_as_json_or_as_a_form_field() {
        let json =
            payload(&headers(&[("content-type", "application/json")]), br#"{"text":"hi","username":"CI"}"#)
                .expect("json");
        assert_eq!((json.text.as_str(), json.username.as_deref()), ("hi", Some("CI")));
        let curl =
            payload(&headers(&[("content-type", "application/x-www-form-urlencoded")]), br#"{"text":"hi"}"#)
                .expect("curl -d");
        assert_eq!(curl.text, "hi");
        let form = payload(
            &headers(&[("content-type", "application/x-www-form-urlencoded")]),
            b"payload=%7B%22text%22%3A%22from+a+form%22%7D",
        )
        .expect("form");
        assert_eq!(form.text, "from a form");
        assert!(payload(&HeaderMap::new(), b"text=hi").is_err());
        assert!(payload(&HeaderMap::new(), br#"{"body":"hi"}"#).is_err());
    }

    #[test]
    fn the_same_idempotency_key_gives_the_same_client_id() {
        let first = client_id(&headers(&[("idempotency-key", "build-42")])).expect("key");
        assert_eq!(client_id(&headers(&[("idempotency-key", "build-42")])).expect("again"), first);
        assert_ne!(client_id(&headers(&[("idempotency-key", "build-43")])).expect("other"), first);
        assert!(crate::protocol::validate_client_id(&first).is_ok());
        let fresh = client_id(&HeaderMap::new()).expect("fresh");
        assert_ne!(fresh, client_id(&HeaderMap::new()).expect("fresh"));
        assert!(crate::protocol::validate_client_id(&fresh).is_ok());
        assert!(client_id(&headers(&[("idempotency-key", &"k".repeat(256))])).is_err());
    }
}
