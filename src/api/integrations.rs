//! A room's integrations page: its incoming webhooks, made and revoked by its moderators.
//!
//! Plain forms, like the profile's bots: each answers with a redirect back to
//! `/r/<room>/integrations` (a script gets JSON). A new webhook's URL crosses that redirect in a
//! short-lived HttpOnly cookie (`server::accounts::new_token_cookie`) and
//! [`load_integrations`] shows it once, clearing it. Who may is asked afresh on every call: the
//! room's moderators and the server's administrators; anyone else is told "not found".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::model::{HookSummary, HookUrl};

/// A room's integrations, as its moderators manage them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationsPage {
    pub signed_in: bool,
    /// `None`: no such room, or not one this person moderates (the same answer).
    pub title: Option<String>,
    pub hooks: Vec<HookSummary>,
    /// A webhook just made, with its URL: shown this once.
    pub new_hook: Option<HookUrl>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use axum::http::HeaderMap;
    use axum::http::header::HOST;

    use crate::api_error::ApiError;
    use crate::server::AppState;
    use crate::server::accounts::users::User;
    use crate::server::rooms::membership::RoomAccess;

    /// The page a form answers with.
    pub fn page(room: &str) -> String {
        format!("/r/{room}/integrations")
    }

    /// The webhook's URL, on the host and scheme the request came in on.
    pub fn hook_url(headers: &HeaderMap, secret: &str) -> String {
        let scheme =
            if crate::server::accounts::session_cookie::over_https(headers) { "https" } else { "http" };
        let host = headers.get(HOST).and_then(|host| host.to_str().ok()).unwrap_or("localhost");
        format!("{scheme}://{host}/hooks/{secret}")
    }

    /// The room, if `user` (a person, not a bot) moderates it and it is not a conversation.
    pub async fn managed(state: &AppState, user: &User, room: &str) -> Result<RoomAccess, ApiError> {
        use crate::rooms::RoomKind;
        let found = super::super::moderation::ssr::moderated_room(state, user, room).await?;
        match found {
            Some((access, _)) if !user.bot && access.kind != RoomKind::Direct => Ok(access),
            _ => Err(ApiError::not_found()),
        }
    }
}

/// A room's webhooks and a URL just made (once: reading it forgets it), for its moderators.
#[server(endpoint = "load_integrations")]
pub async fn load_integrations(room: String) -> Result<IntegrationsPage, ApiError> {
    use crate::server::accounts::new_token_cookie::{self, Carries};
    let state = super::ssr::state()?;
    let headers = super::ssr::headers().await?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(IntegrationsPage::default()) };
    let mut page = IntegrationsPage { signed_in: true, ..IntegrationsPage::default() };
    let found = super::moderation::ssr::moderated_room(&state, &user, &room).await?;
    let Some((access, title)) = found else { return Ok(page) };
    page.title = Some(title);
    page.hooks = state.store.hooks_in(access.id).await.map_err(super::ssr::unavailable)?;
    let carried = new_token_cookie::read(&headers, Carries::HookSecret);
    if carried.is_some() {
        let secure = crate::server::accounts::session_cookie::over_https(&headers);
        super::ssr::set_cookie(&new_token_cookie::clear(Carries::HookSecret, secure));
    }
    // Only a URL of one of this room's webhooks.
    page.new_hook = carried.and_then(|carried| {
        let id = page.hooks.iter().find(|hook| hook.id.to_string() == carried.label)?.id;
        Some(HookUrl { id, url: ssr::hook_url(&headers, &carried.secret) })
    });
    Ok(page)
}

/// Make an incoming webhook for the room, posting under `name`. Its URL goes to the room's
/// integrations page (and to a script, in the answer); `None` when a plain form was sent back.
#[server(endpoint = "create_hook")]
pub async fn create_hook(room: String, name: String) -> Result<Option<HookUrl>, ApiError> {
    use crate::server::accounts::new_token_cookie::{self, Carries};
    use crate::server::integrations::incoming_hooks::NewHook;
    let state = super::ssr::state()?;
    let headers = super::ssr::headers().await?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    let page = ssr::page(&access.name);
    let Ok(name) = crate::protocol::validate_name(&name) else {
        return super::ssr::refuse(&page, super::FormError::InvalidName, "").map(|()| None);
    };
    match state.store.create_hook(access.id, user.id, name).await.map_err(super::ssr::unavailable)? {
        NewHook::Made { id, token } => {
            tracing::info!(room = access.id, hook = id, by = user.id, "webhook made");
            crate::server::rooms::room_members::changed(&state, &access).await;
            let secure = crate::server::accounts::session_cookie::over_https(&headers);
            super::ssr::set_cookie(&new_token_cookie::set(
                Carries::HookSecret,
                &id.to_string(),
                &token,
                secure,
            ));
            leptos_axum::redirect(&page);
            Ok(Some(HookUrl { id, url: ssr::hook_url(&headers, &token) }))
        }
        NewHook::TooMany => super::ssr::refuse(&page, super::FormError::TooManyHooks, "").map(|()| None),
    }
}

/// Revoke the room's webhook `id`: its URL answers 404 from now on, and its bot leaves the room.
#[server(endpoint = "revoke_hook")]
pub async fn revoke_hook(room: String, id: i64) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    if !state.store.revoke_hook(access.id, id).await.map_err(super::ssr::unavailable)? {
        return Err(ApiError::not_found());
    }
    tracing::info!(room = access.id, hook = id, by = user.id, "webhook revoked");
    crate::server::rooms::room_members::changed(&state, &access).await;
    leptos_axum::redirect(&ssr::page(&access.name));
    Ok(())
}
