//! Signing what the server sends to a room's own handlers (slash commands, outgoing webhooks),
//! so a handler can tell a request came from this server and was not replayed.
//!
//! The scheme is Slack's, so handlers written for Slack verify it unchanged: the signature is
//! `v0=` and the hex HMAC-SHA256, keyed with the room's secret, of `v0:<timestamp>:<body>`,
//! where the timestamp (seconds since the Unix epoch) travels in its own header and a handler
//! refuses one more than a few minutes old. Both Slack's header names and Banter's own are sent.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature's header, as Slack names it and as Banter does.
pub const SIGNATURE_HEADERS: [&str; 2] = ["x-slack-signature", "x-banter-signature"];
/// The timestamp's header, as Slack names it and as Banter does.
pub const TIMESTAMP_HEADERS: [&str; 2] = ["x-slack-request-timestamp", "x-banter-request-timestamp"];

/// `v0=<hex>` over `timestamp` and `body`, keyed with `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        unreachable!("HMAC accepts keys of every length")
    };
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let digest: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("v0={digest}")
}

/// A request to `url` with `body` as `content_type`, signed with `secret` now.
pub fn signed_request(
    client: &reqwest::Client,
    url: &url::Url,
    secret: &str,
    content_type: &'static str,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let timestamp = crate::model::now_ms() / 1_000;
    let signature = sign(secret, timestamp, &body);
    let mut request = client.post(url.clone()).header(reqwest::header::CONTENT_TYPE, content_type);
    for name in SIGNATURE_HEADERS {
        request = request.header(name, &signature);
    }
    for name in TIMESTAMP_HEADERS {
        request = request.header(name, timestamp.to_string());
    }
    request.body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's documented example: this secret, timestamp and body give this signature.
    #[test]
    fn signs_as_slack_does() {
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign("8f742231b10e8888abcd99yyyzzz85a5", 1_531_420_618, body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }
}
