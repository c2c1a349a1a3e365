//! Passkeys (WebAuthn): a key pair kept by a phone, a laptop or a security key, unlocked by the
//! person's fingerprint, face or PIN. A password account adds them on its security page; then
//! a passkey either signs in alone (the sign-in page's "Sign in with a passkey": it proves
//! both possession and the person's unlock, so no password or code follows), or serves as the
//! second factor after the password, in place of a code. Accounts of the identity provider
//! leave factors to it, and have none here.
//!
//! The ceremonies themselves — challenges, the authenticator's signature, the counter that
//! reveals a cloned key — are `webauthn-rs`'s ([`relying_party`]). What this module adds: the
//! passkeys kept per person ([`credentials`]), each ceremony's state kept between its two
//! requests so any node may finish it, taken once ([`ceremonies`]), and the four JSON
//! endpoints the pages' small script calls ([`routes`]; `public/passkeys.js`).

pub mod ceremonies;
pub mod credentials;
pub mod relying_party;
pub mod routes;
