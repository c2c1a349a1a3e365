//! Who is asking: the session behind a request, and whether its page may talk to us.
//!
//! Every entry point asks here: page renders and server functions through [`current_user`],
//! the plain handlers (uploads, files, the form, the WebSocket upgrade) through the
//! [`SignedIn`] extractor. Nothing trusts a name or id the client sends.

use axum::extract::FromRequestParts;
use axum::http::header::{HOST, ORIGIN, REFERER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::accounts::session_cookie;
use crate::server::accounts::users::{Session, User, UserError};
use crate::server::state::AppState;
use crate::server::storage::store::Store;

/// The signed-in user of this request, if its session cookie names a live session.
pub async fn current_user(store: &Store, headers: &HeaderMap) -> Result<Option<User>, UserError> {
    Ok(current_session(store, headers).await?.map(|session| session.user))
}

/// The live session this request's cookie names, if any; without a cookie, the bot whose
/// token `Authorization: Bearer` carries (`server::accounts::bots`).
pub async fn current_session(store: &Store, headers: &HeaderMap) -> Result<Option<Session>, UserError> {
    if let Some(token) = session_cookie::read(headers) {
        return store.session(&token).await;
    }
    match bearer_token(headers) {
        // Only a bot's: a person's session goes in its HttpOnly cookie, nowhere else.
        Some(token) => Ok(store.session(token).await?.filter(|session| session.user.bot)),
        None => Ok(None),
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The live session behind a request to a plain handler (an upload, a file, the form without
/// JavaScript, the WebSocket upgrade): the lookup, and its log line when the store fails,
/// written once. A handler takes `Result<SignedIn, NoSession>` and answers a missing session
/// its own way (a 404 for a file, a redirect for the form).
pub struct SignedIn(pub Session);

/// Why a request has no session to act for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoSession {
    #[error("sign in first")]
    SignedOut,
    #[error("the store is unavailable; try again")]
    Unavailable,
}

impl NoSession {
    /// How a file route answers without a session: as for a file that does not exist (404),
    /// or 503 while the store is down.
    pub fn file_answer(self) -> axum::response::Response {
        use axum::response::IntoResponse;
        match self {
            NoSession::SignedOut => (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
            NoSession::Unavailable => axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NoSession> {
        match current_session(&state.store, &parts.headers).await {
            Ok(Some(session)) => Ok(Self(session)),
            Ok(None) => Err(NoSession::SignedOut),
            Err(error) => {
                tracing::error!(%error, "session lookup failed");
                Err(NoSession::Unavailable)
            }
        }
    }
}

/// As an answer of its own: 401 or 503 with `{"code","message"}`, as every API error.
impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        let (status, code) = match self {
            NoSession::SignedOut => (StatusCode::UNAUTHORIZED, "signed_out"),
            NoSession::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        };
        (status, axum::Json(serde_json::json!({ "code": code, "message": self.to_string() }))).into_response()
    }
}

/// Whether a WebSocket upgrade's `Origin` may connect.
///
/// Browsers always send `Origin` on a WebSocket handshake, and send our cookies with it even
/// when the page is another site's; so a browser request from elsewhere must be refused
/// here. With `allowed` empty, only pages of this very host (the `Host` the request was sent
/// to) may connect; otherwise exactly the listed origins (`https://chat.example.com`). A
/// request without `Origin` is not from a browser page (a bot, the load tool): it has to
/// present a session cookie like anyone else.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    site_allowed(origin, headers, allowed)
}

/// Whether a state-changing request (a form post, a server function call) comes from one of
/// our own pages: cross-site request forgery is refused.
///
/// Browsers send `Origin` on every cross-site POST; older ones, and some same-site
/// navigations, send only `Referer`, whose origin part is compared instead. A request with
/// neither is not from a browser page (a bot, `curl`): it is let through, since it has to
/// present the session cookie itself, which no other site can make a browser attach.
pub fn request_site_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    if headers.contains_key(ORIGIN) {
        return origin_allowed(headers, allowed);
    }
    let Some(referer) = headers.get(REFERER) else { return true };
    let Ok(referer) = referer.to_str() else { return false };
    match origin_of_url(referer) {
        Some(origin) => site_allowed(origin, headers, allowed),
        None => false,
    }
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of_url(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..scheme.len() + 3 + authority_len])
}

/// The rule behind both checks. With `allowed` empty, only this very site: the same scheme
/// (https when a proxy says so, else http), host and port as the request was sent to.
/// Otherwise exactly the listed origins.
fn site_allowed(origin: &str, headers: &HeaderMap, allowed: &[String]) -> bool {
    let origin = origin.trim_end_matches('/');
    if !allowed.is_empty() {
        return allowed.iter().any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin));
    }
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else { return false };
    let scheme = if session_cookie::over_https(headers) { "https" } else { "http" };
    match origin.split_once("://") {
        Some((origin_scheme, origin_host)) => {
            origin_scheme.eq_ignore_ascii_case(scheme) && origin_host.eq_ignore_ascii_case(host)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn same_host_is_allowed_by_default_and_others_are_not() {
        assert!(origin_allowed(&headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"), &[]));
        assert!(!origin_allowed(&headers(Some("http://evil.example"), "127.0.0.1:3000"), &[]));
        assert!(!origin_allowed(&headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000"), &[]));
        assert!(!origin_allowed(&headers(Some("null"), "127.0.0.1:3000"), &[]));
    }

    #[test]
    fn listed_origins_replace_the_default() {
        let allowed = vec!["https://chat.example.com".to_owned()];
        assert!(origin_allowed(&headers(Some("https://chat.example.com"), "10.0.0.5:3000"), &allowed));
        assert!(!origin_allowed(&headers(Some("http://chat.example.com"), "10.0.0.5:3000"), &allowed));
    }

    #[test]
    fn clients_without_an_origin_are_not_browsers() {
        assert!(origin_allowed(&headers(None, "127.0.0.1:3000"), &[]));
    }

    #[test]
    fn scheme_host_and_port_must_all_match() {
        assert!(!origin_allowed(&headers(Some("https://127.0.0.1:3000"), "127.0.0.1:3000"), &[]));
        let mut behind_tls = headers(Some("https://chat.example.com"), "chat.example.com");
        behind_tls.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(origin_allowed(&behind_tls, &[]));
        behind_tls.insert(ORIGIN, HeaderValue::from_static("http://chat.example.com"));
        assert!(!origin_allowed(&behind_tls, &[]));
    }

    #[test]
    fn without_an_origin_a_post_is_judged_by_its_referer() {
        let mut post = headers(None, "127.0.0.1:3000");
        assert!(request_site_allowed(&post, &[]), "no Origin, no Referer: not a browser page");
        post.insert(REFERER, HeaderValue::from_static("http://127.0.0.1:3000/r/general?x=1"));
        assert!(request_site_allowed(&post, &[]));
        post.insert(REFERER, HeaderValue::from_static("http://evil.example/page"));
        assert!(!request_site_allowed(&post, &[]));
        post.insert(REFERER, HeaderValue::from_static("not a url"));
        assert!(!request_site_allowed(&post, &[]));
        let mut foreign = headers(Some("http://evil.example"), "127.0.0.1:3000");
        foreign.insert(REFERER, HeaderValue::from_static("http://127.0.0.1:3000/"));
        assert!(!request_site_allowed(&foreign, &[]), "Origin wins over Referer");
    }
}
