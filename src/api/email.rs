//! A person's email address and what the server mails them (`server::mail`): adding and
//! removing the address from the profile, digests on or off, and "Forgot password?" from the
//! sign-in page. Plain forms, each ending on a page that says what happened.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::api::FormError;
use crate::api_error::ApiError;

/// Where "Forgot password?" lives.
pub const FORGOT_PATH: &str = "/forgot";
/// Where a person's email settings live (the profile links there).
pub const EMAIL_SETTINGS_PATH: &str = "/profile/email";

/// What the profile shows of the person's email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    /// The verified address.
    pub address: Option<String>,
    /// An address a link was mailed to, not opened yet.
    pub pending: Option<String>,
    pub digests: bool,
    /// Whether this server sends email at all.
    pub mail_on: bool,
}

/// The signed-in person's email settings; `None` signed out.
#[server(endpoint = "my_email")]
pub async fn my_email() -> Result<Option<EmailSettings>, ApiError> {
    let state = super::ssr::state()?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(None) };
    let kept = state.store.email_state(user.id).await.map_err(super::ssr::unavailable)?;
    Ok(Some(EmailSettings {
        address: kept.address,
        pending: kept.pending,
        digests: kept.digests,
        mail_on: state.mailer.is_on(),
    }))
}

/// Mail a link to `address`; opening it makes it the person's address.
#[server(endpoint = "set_email")]
pub async fn set_email(address: String) -> Result<(), ApiError> {
    use crate::server::mail::addresses::normalize_email;
    use crate::server::mail::letters;

    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    if !state.mailer.is_on() {
        return super::ssr::refuse(EMAIL_SETTINGS_PATH, FormError::MailOff, "");
    }
    let Ok(address) = normalize_email(&address) else {
        return super::ssr::refuse(EMAIL_SETTINGS_PATH, FormError::InvalidEmail, "");
    };
    if !state.take(&state.limits.verification_mails, &user.id).await {
        return super::ssr::refuse(EMAIL_SETTINGS_PATH, FormError::TooManyMails, "");
    }
    let token = state.store.start_verification(user.id, &address).await.map_err(super::ssr::unavailable)?;
    let letter = letters::verification(&state.config.public_url(None), &address, &user.username, &token);
    if state.mailer.send(letter).is_err() {
        return super::ssr::refuse(EMAIL_SETTINGS_PATH, FormError::Unavailable, "");
    }
    tracing::info!(user = %user.id, "verification link mailed");
    leptos_axum::redirect(&format!("{EMAIL_SETTINGS_PATH}?saved=email-sent"));
    Ok(())
}

/// Forget the person's address: the server mails them nothing any more.
#[server(endpoint = "remove_email")]
pub async fn remove_email() -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    state.store.remove_email(user.id).await.map_err(super::ssr::unavailable)?;
    tracing::info!(user = %user.id, "email address removed");
    leptos_axum::redirect(&format!("{EMAIL_SETTINGS_PATH}?saved"));
    Ok(())
}

/// Digests of what the person missed, on or off.
#[server(endpoint = "set_email_digests")]
pub async fn set_email_digests(#[server(default)] on: bool) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    state.store.set_email_digests(user.id, on).await.map_err(super::ssr::unavailable)?;
    tracing::info!(user = %user.id, on, "email digests set");
    leptos_axum::redirect(&format!("{EMAIL_SETTINGS_PATH}?saved"));
    Ok(())
}

/// "Forgot password?": mail a reset link to the verified address of the account named `who`
/// (a username), or of every account with that address. The answer is the same whether or not
/// there is such an account, so nobody learns who has an account or an address here.
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(who: String) -> Result<(), ApiError> {
    use crate::server::mail::letters;

    let state = super::ssr::state()?;
    if !state.config.password_sign_in {
        return super::ssr::refuse("/signin", FormError::PasswordSignInOff, "");
    }
    if !state.mailer.is_on() {
        return super::ssr::refuse(FORGOT_PATH, FormError::MailOff, "");
    }
    let axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr> =
        leptos_axum::extract().await?;
    if !state.take(&state.limits.reset_requests, &peer.ip()).await {
        tracing::warn!(address = %peer.ip(), "password reset requests throttled");
        return super::ssr::refuse(FORGOT_PATH, FormError::TooManyMails, "");
    }
    let recipients = state.store.reset_recipients(&who).await.map_err(super::ssr::unavailable)?;
    // One email per address, with a link for each of its accounts that may have one now.
    let mut by_address: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for recipient in recipients {
        if !state.take(&state.limits.reset_mails, &recipient.user_id).await
            || !state.take(&state.limits.reset_mails_to, &recipient.email).await
        {
            tracing::info!(user = %recipient.user_id, "reset email throttled");
            continue;
        }
        let token = state.store.create_reset(recipient.user_id).await.map_err(super::ssr::unavailable)?;
        match by_address.iter_mut().find(|(address, _)| *address == recipient.email) {
            Some((_, links)) => links.push((recipient.username.into(), token)),
            None => by_address.push((recipient.email, vec![(recipient.username.into(), token)])),
        }
    }
    let base = state.config.public_url(None);
    for (address, links) in by_address {
        if let Err(error) = state.mailer.send(letters::reset(&base, &address, &links)) {
            tracing::warn!(%error, "reset email not queued");
        }
    }
    leptos_axum::redirect(&format!("{FORGOT_PATH}?sent"));
    Ok(())
}
