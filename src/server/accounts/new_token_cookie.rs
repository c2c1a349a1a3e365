//! The cookie that carries a new secret — a bot's token, a webhook's URL — from the form that
//! made it to the one page that shows it.
//!
//! Why a cookie: the secret must be shown once, and the forms that make one are plain forms
//! (they work without JavaScript, and cost the page's script nothing), so it has to cross a
//! redirect. A URL would leave it in the history, in logs and in a `Referer`; this cookie is
//! HttpOnly, lives a few minutes at most, and the first read clears it.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// Seconds the cookie lives if nothing reads it.
const MAX_AGE_SECS: u32 = 300;
/// Longest label (what the secret belongs to) the cookie carries.
const MAX_LABEL_CHARS: usize = 64;

/// Which secret a cookie carries: each kind has its own, read by its own page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carries {
    /// A bot's token, labelled with the bot's username; the profile shows it.
    BotToken,
    /// A webhook's secret, labelled with its id; the room's integrations page shows it.
    HookSecret,
}

impl Carries {
    fn cookie_name(self) -> &'static str {
        match self {
            Carries::BotToken => "banter_new_bot_token",
            Carries::HookSecret => "banter_new_hook",
        }
    }
}

/// A secret and what it belongs to, as the cookie carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carried {
    pub label: String,
    pub secret: String,
}

/// `Set-Cookie` carrying `secret` of `label` (`.`, `_`, `-`, letters and digits only).
pub fn set(kind: Carries, label: &str, secret: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{}={label}:{secret}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Strict{secure}",
        kind.cookie_name()
    )
}

/// `Set-Cookie` that removes it (it has been shown).
pub fn clear(kind: Carries, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}", kind.cookie_name())
}

/// The secret the request's cookie of `kind` carries, if a well-formed one.
pub fn read(headers: &HeaderMap, kind: Carries) -> Option<Carried> {
    let value = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == kind.cookie_name())
        .map(|(_, value)| value)?;
    let (label, secret) = value.split_once(':')?;
    let label_ok = (1..=MAX_LABEL_CHARS).contains(&label.len())
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    let secret_ok = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    (label_ok && secret_ok).then(|| Carried { label: label.to_owned(), secret: secret.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_set_cookie_reads_back_once_well_formed_and_only_as_its_kind() {
        let secret = "ab".repeat(32);
        let set = set(Carries::BotToken, "ci-bot", &secret, true);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.ends_with("; Secure"));
        let pair = set.split(';').next().expect("a pair");
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&format!("a=1; {pair}")).expect("header"));
        assert_eq!(read(&headers, Carries::BotToken), Some(Carried { label: "ci-bot".into(), secret }));
        assert_eq!(read(&headers, Carries::HookSecret), None);
        headers.insert(COOKIE, HeaderValue::from_static("banter_new_bot_token=ci-bot:not-hex"));
        assert_eq!(read(&headers, Carries::BotToken), None);
        let odd_label = format!("banter_new_hook=a/b:{}", "0".repeat(64));
        headers.insert(COOKIE, HeaderValue::from_str(&odd_label).expect("header"));
        assert_eq!(read(&headers, Carries::HookSecret), None);
    }
}
