//! The URL of a room's own handler (a slash command's, an outgoing webhook's): a person typed
//! it, so it is checked like every URL the server calls (`server::outbound`) when it is
//! registered — a clear error at once — and again at every call.

use url::Url;

use crate::server::outbound::{OutboundError, OutboundPolicy};

/// Longest handler URL taken.
pub const MAX_HANDLER_URL_BYTES: usize = 2_048;

/// Why a handler URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerUrlError {
    #[error("the URL is not an https URL (of at most {MAX_HANDLER_URL_BYTES} bytes)")]
    NotHttps,
    #[error("the URL cannot be called: {0}")]
    Refused(#[from] OutboundError),
}

/// `text` as a handler URL: https (or http when `allow_http`), and one the guard lets the
/// server call now.
pub async fn check(text: &str, allow_http: bool, outbound: &OutboundPolicy) -> Result<Url, HandlerUrlError> {
    let url = parse(text, allow_http)?;
    outbound.check_url(&url).await?;
    Ok(url)
}

/// A stored handler URL, as it is about to be called: parsed again, and an address written in
/// it checked by the guard now (a name is checked as the call resolves it).
pub fn callable(text: &str, allow_http: bool, outbound: &OutboundPolicy) -> Result<Url, HandlerUrlError> {
    let url = parse(text, allow_http)?;
    outbound.check_literal(&url)?;
    Ok(url)
}

/// `text` as a handler URL, without asking the guard.
pub fn parse(text: &str, allow_http: bool) -> Result<Url, HandlerUrlError> {
    let text = text.trim();
    let url = Url::parse(text).map_err(|_| HandlerUrlError::NotHttps)?;
    let scheme_ok = url.scheme() == "https" || (allow_http && url.scheme() == "http");
    if !scheme_ok || text.len() > MAX_HANDLER_URL_BYTES || url.host().is_none() {
        return Err(HandlerUrlError::NotHttps);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_https_urls_the_guard_lets_through() {
        let guard = OutboundPolicy::new(Vec::new(), vec!["ci.example=8.8.8.8".parse().expect("pin")]);
        assert!(check("https://ci.example/slash", false, &guard).await.is_ok());
        assert_eq!(check("http://ci.example/slash", false, &guard).await, Err(HandlerUrlError::NotHttps));
        assert!(check("http://ci.example/slash", true, &guard).await.is_ok());
        assert_eq!(check("ftp://ci.example/x", true, &guard).await, Err(HandlerUrlError::NotHttps));
        assert_eq!(check("not a url", true, &guard).await, Err(HandlerUrlError::NotHttps));
        assert!(matches!(
            check("https://169.254.169.254/latest", false, &guard).await,
            Err(HandlerUrlError::Refused(OutboundError::Internal(_)))
        ));
        assert!(matches!(
            check("https://localhost/x", false, &guard).await,
            Err(HandlerUrlError::Refused(_))
        ));
    }
}
