//! A second factor for password sign-in: a time-based one-time password from an authenticator
//! app ([`totp`]), with one-use recovery codes, asked for after the password ([`pending`]).
//! `--require-2fa` makes it mandatory for password accounts: a correct password then leads to
//! setting one up before any session starts. Accounts that sign in through the identity
//! provider leave the second factor to it.

pub mod pending;
pub mod totp;
