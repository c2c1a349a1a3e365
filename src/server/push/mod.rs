//! Web Push: the task that tells a person's devices about a message when no page of theirs is
//! open (`sender`), and the VAPID key and subscriptions in the store (`subscriptions`).
//! Every endpoint is called through `outbound`. Uses `storage`, `rooms` and `realtime::hub`
//! (who has a page open).

pub mod sender;
pub mod subscriptions;
