//! What every HTTP answer does for the browser's safety: refuse cross-site state changes, and
//! carry the security headers.
//!
//! Cross-site request forgery: the session cookie is SameSite=Lax, which already keeps it off
//! other sites' POSTs in current browsers; the Origin check here is the second lock, and the
//! one that also holds for older browsers and same-site (other port, other subdomain) pages.
//! It applies to every method that can change something, with the rule `/ws` uses
//! ([`auth::request_site_allowed`]).
//!
//! Headers: the fixed ones come from tower-http layers ([`layers`]); HSTS depends on whether
//! the request came over https, so [`guard`] adds it. The Content-Security-Policy needs the
//! nonce Leptos puts on its inline script, so the page shell sets it ([`content_security_policy`]).

use axum::extract::{Request, State};
use axum::http::header::{
    REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::server::accounts::auth;
use crate::server::accounts::session_cookie::over_https;
use crate::server::state::AppState;

/// `Strict-Transport-Security` behind https: a year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Refuse a state-changing request from another site's page (403), and add HSTS to answers
/// that went out over https.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = request.headers();
    if changes_state && !auth::request_site_allowed(headers, &state.config.allowed_origins) {
        tracing::warn!(path = %request.uri().path(), origin = ?headers.get("origin"), "refusing a cross-site request");
        return (StatusCode::FORBIDDEN, "this request came from another site's page and was refused")
            .into_response();
    }
    let https = over_https(headers);
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

/// The fixed headers every answer carries: no MIME sniffing, no framing by other sites, and
/// no full URLs (room names) in the Referer sent to other sites.
pub fn layers() -> (
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
) {
    (
        SetResponseHeaderLayer::if_not_present(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        SetResponseHeaderLayer::if_not_present(X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        SetResponseHeaderLayer::if_not_present(
            REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
    )
}

/// The page's Content-Security-Policy: scripts only from this site or carrying this
/// response's nonce (no inline script can run without it), wasm allowed to compile, nothing
/// framing us, forms posting only here. Inline `style` attributes stay allowed (avatars use
/// them for their colour); they cannot run code.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}
