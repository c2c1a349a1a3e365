//! Single sign-on through the organisation's OpenID Connect provider (`--oidc-issuer`,
//! `--oidc-client-id`, `--oidc-client-secret`): the authorization code flow with PKCE,
//! `state` and nonce, the ID token checked against the provider's discovery document and keys
//! by the `openidconnect` crate (no JWT code of our own).
//!
//! The path of one sign-in: the sign-in page's button leads to [`routes::start`], which keeps
//! the pending sign-in ([`flows`]) and sends the browser to the provider; the provider sends it
//! back to [`routes::callback`], which takes the pending sign-in (once), exchanges the code
//! ([`provider`]), finds or makes the account ([`identities`]) and starts a session exactly as
//! a password sign-in does.
//!
//! `--password-sign-in off` makes the provider the only way in for people (bots keep their
//! tokens).

pub mod flows;
pub mod identities;
pub mod provider;
pub mod provider_http;
pub mod routes;
