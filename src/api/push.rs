//! Web Push subscriptions: the page asks for the server's key, subscribes the device with its
//! browser's push service, and hands the subscription over to be kept for its account.

use leptos::prelude::*;

use crate::api_error::ApiError;

/// The server's VAPID public key (base64url), for `pushManager.subscribe`. Signed-in people
/// only, like every call but signing up and in: only they can subscribe.
#[server(endpoint = "push_key")]
pub async fn push_key() -> Result<String, ApiError> {
    let state = super::ssr::state()?;
    super::ssr::signed_in(&state).await?;
    Ok(state.pusher.public_key().to_owned())
}

/// Keep this device's subscription for the signed-in account.
#[server(endpoint = "push_subscribe")]
pub async fn push_subscribe(endpoint: String, p256dh: String, auth: String) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    state.pusher.check(&endpoint, &p256dh, &auth).await.map_err(|e| ApiError::invalid(e.to_string()))?;
    state.store.subscribe(user.id, &endpoint, &p256dh, &auth).await.map_err(super::ssr::internal)
}

/// Forget this device's subscription (notifications turned off here).
#[server(endpoint = "push_unsubscribe")]
pub async fn push_unsubscribe(endpoint: String) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    state.store.unsubscribe(Some(user.id), &endpoint).await.map_err(super::ssr::internal)
}
