//! Email, when the operator gives an SMTP server (`--smtp-url`): a person's verified address,
//! "Forgot password?" links, and digests of what they missed. Without SMTP none of it exists
//! and an administrator hands out reset links instead (`banter admin reset-link`).
//!
//! Why a queue: email is slow and its server may be down, and neither may ever delay a
//! message or a page. Everything that mails hands a [`mailer::Letter`] to a bounded queue and
//! moves on; a background task sends it ([`mailer`]).
//!
//! - [`addresses`]: the address a person verified, the links that verify one, whether they
//!   want digests; who a "Forgot password?" request is for.
//! - [`letters`]: what each email says (plain text only: nothing in it is rendered as HTML).
//! - [`digests`]: the task that finds, every `--digest-check-seconds`, the conversation
//!   messages and mentions left unread and unpushed for `--digest-delay-minutes`, and mails
//!   each person one digest of them, once, on whichever node gets there first.
//! - [`unsubscribe`]: the signed one-click link in every digest.
//! - [`routes`]: the two addresses email links lead to (`/verify-email`, `/unsubscribe`).

pub mod addresses;
pub mod digests;
pub mod letters;
pub mod mailer;
pub mod routes;
pub mod unsubscribe;
