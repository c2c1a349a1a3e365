//! The session cookie: how a browser proves who it is on pages, server functions and `/ws`.
//!
//! HttpOnly so page scripts (and anything injected into them) cannot read it; SameSite=Lax so
//! other sites' forms and fetches do not carry it; Secure when the page was served over https
//! (directly or behind a proxy that says so), so it never travels in clear text there. It
//! expires with the session ([`SESSION_TTL`](crate::server::accounts::users::SESSION_TTL)).

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::server::accounts::users::SESSION_TTL;

pub const SESSION_COOKIE: &str = "banter_session";

/// The session token in the request's cookies, if there is a well-formed one.
pub fn read(headers: &HeaderMap) -> Option<String> {
    named(headers, SESSION_COOKIE)
        .filter(|token| token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

/// The value of the request's cookie `name`, if it has one that is not empty.
pub fn named<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name && !value.is_empty()).then_some(value))
}

/// `Set-Cookie` for an HttpOnly, SameSite=Lax cookie `name` sent back to `path` for
/// `max_age_secs` (an empty `value` and 0: its removal); Secure when served over https.
pub fn lax(name: &str, value: &str, path: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}")
}

/// Whether the browser reached us over https: a TLS-terminating proxy says so in
/// `X-Forwarded-Proto` or `Forwarded`.
pub fn over_https(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get("forwarded")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    forwarded_proto || forwarded
}

/// `Set-Cookie` for a new session.
pub fn set(token: &str, secure: bool) -> String {
    lax(SESSION_COOKIE, token, "/", SESSION_TTL.as_secs(), secure)
}

/// `Set-Cookie` that removes the session cookie (sign out).
pub fn clear(secure: bool) -> String {
    lax(SESSION_COOKIE, "", "/", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_set_cookie_reads_back_and_is_locked_down() {
        let set = set(TOKEN, false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"));
        let pair = set.split(';').next().expect("a pair").to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&format!("a=1; {pair}")).expect("header"));
        assert_eq!(read(&headers).as_deref(), Some(TOKEN));
    }

    #[test]
    fn secure_behind_https() {
        let mut headers = HeaderMap::new();
        assert!(!over_https(&headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(over_https(&headers));
        assert!(set(TOKEN, true).ends_with("; Secure"));
    }

    #[test]
    fn malformed_tokens_are_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("banter_session=../../etc"));
        assert_eq!(read(&headers), None);
    }
}
