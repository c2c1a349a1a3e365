//! Who is asking: the session behind a request, and whether its page may talk to us.
//!
//! Every entry point (page renders, server functions, the WebSocket upgrade) asks
//! [`current_user`]; nothing trusts a name or id the client sends.

use axum::http::HeaderMap;
use axum::http::header::{HOST, ORIGIN};

use super::session_cookie;
use super::store::Store;
use super::users::{Session, User, UserError};

/// The signed-in user of this request, if its session cookie names a live session.
pub async fn current_user(store: &Store, headers: &HeaderMap) -> Result<Option<User>, UserError> {
    Ok(current_session(store, headers).await?.map(|session| session.user))
}

/// The live session this request's cookie names, if any.
pub async fn current_session(store: &Store, headers: &HeaderMap) -> Result<Option<Session>, UserError> {
    match session_cookie::read(headers) {
        Some(token) => store.session(&token).await,
        None => Ok(None),
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
    let origin = origin.trim_end_matches('/');
    if !allowed.is_empty() {
        return allowed.iter().any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin));
    }
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
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
}
