//! The display name lives in a cookie, so the server can render the page for a returning
//! visitor (composer instead of name picker) and the no-JavaScript form knows who posts.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::protocol::validate_name;

pub const NAME_COOKIE: &str = "banter_name";
/// A year: the name is a preference, not a credential.
pub const NAME_COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

/// The valid display name in the request's cookie, if any.
pub fn read(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == NAME_COOKIE)
        .and_then(|(_, value)| percent_decode_str(value).decode_utf8().ok())
        .and_then(|name| validate_name(&name).ok().map(str::to_owned))
}

/// A `Set-Cookie` value remembering `name`.
pub fn set(name: &str) -> String {
    let value = utf8_percent_encode(name, NON_ALPHANUMERIC);
    format!("{NAME_COOKIE}={value}; Path=/; Max-Age={NAME_COOKIE_MAX_AGE_SECS}; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn round_trips_through_a_cookie_header() {
        let set = set("Zoë & co");
        let pair = set.split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&format!("other=1; {pair}")).unwrap());
        assert_eq!(read(&headers).as_deref(), Some("Zoë & co"));
    }

    #[test]
    fn ignores_missing_and_invalid_names() {
        let mut headers = HeaderMap::new();
        assert_eq!(read(&headers), None);
        headers.insert(COOKIE, HeaderValue::from_static("banter_name=%20%20"));
        assert_eq!(read(&headers), None);
    }
}
