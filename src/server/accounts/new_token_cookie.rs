//! The cookie that carries a bot's new token from the form that made it to the one profile
//! page that shows it.
//!
//! Why a cookie: the token must be shown once, and the profile's forms are plain forms (they
//! work without JavaScript, and cost the page's script nothing), so it has to cross a redirect.
//! A URL would leave it in the history, in logs and in a `Referer`; this cookie is HttpOnly,
//! sent only to `/profile` and to the call that reads it, lives a few minutes at most, and the
//! first read clears it.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::model::BotToken;

pub const NEW_TOKEN_COOKIE: &str = "banter_new_bot_token";
/// Seconds the cookie lives if nothing reads it.
const MAX_AGE_SECS: u32 = 300;

/// `Set-Cookie` carrying `token` (of the bot `username`).
pub fn set(token: &BotToken, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{NEW_TOKEN_COOKIE}={}:{}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Strict{secure}",
        token.username, token.token
    )
}

/// `Set-Cookie` that removes it (it has been shown).
pub fn clear(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{NEW_TOKEN_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
}

/// The token the request's cookie carries, if a well-formed one.
pub fn read(headers: &HeaderMap) -> Option<BotToken> {
    let value = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == NEW_TOKEN_COOKIE)
        .map(|(_, value)| value)?;
    let (username, token) = value.split_once(':')?;
    let username = crate::accounts::normalize_username(username).ok()?;
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    well_formed.then(|| BotToken { username, token: token.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_set_cookie_reads_back_once_well_formed() {
        let token = BotToken { username: "ci-bot".into(), token: "ab".repeat(32) };
        let set = set(&token, true);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.ends_with("; Secure"));
        let pair = set.split(';').next().expect("a pair");
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&format!("a=1; {pair}")).expect("header"));
        assert_eq!(read(&headers), Some(token));
        headers.insert(COOKIE, HeaderValue::from_static("banter_new_bot_token=ci-bot:not-hex"));
        assert_eq!(read(&headers), None);
    }
}
