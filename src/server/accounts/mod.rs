//! People and their sessions: accounts in the store, signing in and out, the session cookie,
//! password hashing, links that reset a password, the throttle on guessing, a second factor
//! (TOTP and recovery codes), passkeys (WebAuthn), single sign-on
//! through an OpenID Connect provider, and bot accounts with their tokens.
//!
//! Every other capability learns who is asking from here (`auth`), and from nowhere else.
//! Uses `storage` and `limits`, and `rooms` to seat a new account in the default room.

pub mod account_deletion;
pub mod admins;
pub mod auth;
pub mod bots;
pub mod deactivation;
pub mod new_token_cookie;
pub mod passkeys;
pub mod password_resets;
pub mod passwords;
pub mod second_factor;
pub mod session_cookie;
pub mod signin_throttle;
pub mod single_sign_on;
pub mod user_agent;
pub mod users;
pub mod welcome;
