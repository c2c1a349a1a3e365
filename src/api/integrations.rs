//! A room's integrations page: its incoming webhooks, its own slash commands and its outgoing
//! webhooks, made and removed by its moderators.
//!
//! Plain forms, like the profile's bots: each answers with a redirect back to
//! `/r/<room>/integrations` (a script gets JSON). A new webhook's URL crosses that redirect in a
//! short-lived HttpOnly cookie (`server::accounts::new_token_cookie`) and
//! [`load_integrations`] shows it once, clearing it. Who may is asked afresh on every call: the
//! room's moderators and the server's administrators; anyone else is told "not found".

use crate::ids::RoomName;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::model::{CommandSummary, HookSummary, HookUrl, OutgoingSummary};

/// A room's integrations, as its moderators manage them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationsPage {
    pub signed_in: bool,
    /// `None`: no such room, or not one this person moderates (the same answer).
    pub title: Option<String>,
    pub hooks: Vec<HookSummary>,
    /// A webhook just made, with its URL: shown this once.
    pub new_hook: Option<HookUrl>,
    /// The room's own slash commands.
    pub commands: Vec<CommandSummary>,
    /// The room's outgoing webhooks.
    pub outgoing: Vec<OutgoingSummary>,
    /// Whether the room shows link previews, and whether the server makes any at all.
    pub previews: bool,
    pub server_previews: bool,
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
pub async fn load_integrations(room: RoomName) -> Result<IntegrationsPage, ApiError> {
    use crate::server::accounts::new_token_cookie::{self, Carries};
    let state = super::ssr::state()?;
    let headers = super::ssr::headers().await?;
    let Some(user) = super::ssr::user(&state).await? else { return Ok(IntegrationsPage::default()) };
    let mut page = IntegrationsPage { signed_in: true, ..IntegrationsPage::default() };
    let found = super::moderation::ssr::moderated_room(&state, &user, &room).await?;
    let Some((access, title)) = found else { return Ok(page) };
    page.title = Some(title);
    page.hooks = state.store.hooks_in(access.id).await.map_err(super::ssr::unavailable)?;
    page.commands = state.store.commands_in(access.id).await.map_err(super::ssr::unavailable)?;
    page.outgoing = state.store.outgoing_in(access.id).await.map_err(super::ssr::unavailable)?;
    page.previews = state.store.previews_on(access.id).await.map_err(super::ssr::unavailable)?;
    page.server_previews = state.config.link_previews;
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
pub async fn create_hook(room: RoomName, name: String) -> Result<Option<HookUrl>, ApiError> {
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
            tracing::info!(room = %access.id, hook = %id, by = %user.id, "webhook made");
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
pub async fn revoke_hook(room: RoomName, id: i64) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    if !state.store.revoke_hook(access.id, id).await.map_err(super::ssr::unavailable)? {
        return Err(ApiError::not_found());
    }
    tracing::info!(room = %access.id, hook = %id, by = %user.id, "webhook revoked");
    crate::server::rooms::room_members::changed(&state, &access).await;
    leptos_axum::redirect(&ssr::page(&access.name));
    Ok(())
}

/// Turn the room's link previews on or off, for messages sent from now on.
#[server(endpoint = "set_link_previews")]
pub async fn set_link_previews(room: RoomName, on: bool) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    state.store.set_previews_on(access.id, on).await.map_err(super::ssr::unavailable)?;
    tracing::info!(room = %access.id, on, by = %user.id, "link previews set");
    leptos_axum::redirect(&ssr::page(&access.name));
    Ok(())
}

/// Register the room's own slash command `/name`, calling `url` (https; checked by the
/// outbound guard) signed with a secret the integrations page shows.
#[server(endpoint = "create_command")]
pub async fn create_command(room: RoomName, name: String, url: String) -> Result<(), ApiError> {
    use super::FormError;
    use crate::server::integrations::room_commands::NewCommand;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    let page = ssr::page(&access.name);
    let name = name.trim().trim_start_matches('/').to_ascii_lowercase();
    if !matches!(crate::commands::parse(&format!("/{name}")), crate::commands::Typed::Command(_)) {
        return super::ssr::refuse(&page, FormError::InvalidCommandName, "");
    }
    let checked =
        crate::server::integrations::handler_url::check(&url, state.config.hooks_allow_http, &state.outbound);
    let Ok(url) = checked.await else { return super::ssr::refuse(&page, FormError::InvalidHandlerUrl, "") };
    let made = state.store.create_command(access.id, user.id, &name, url.as_str()).await;
    match made.map_err(super::ssr::unavailable)? {
        NewCommand::Made { id } => {
            tracing::info!(room = %access.id, command = %id, by = %user.id, "room command registered");
            crate::server::rooms::room_members::changed(&state, &access).await;
            leptos_axum::redirect(&page);
            Ok(())
        }
        NewCommand::Taken => super::ssr::refuse(&page, FormError::CommandNameTaken, ""),
        NewCommand::TooMany => super::ssr::refuse(&page, FormError::TooManyIntegrations, ""),
    }
}

/// Remove the room's command `id`: `/name` is unknown from now on.
#[server(endpoint = "delete_command")]
pub async fn delete_command(room: RoomName, id: i64) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    if !state.store.delete_command(access.id, id).await.map_err(super::ssr::unavailable)? {
        return Err(ApiError::not_found());
    }
    tracing::info!(room = %access.id, command = %id, by = %user.id, "room command removed");
    crate::server::rooms::room_members::changed(&state, &access).await;
    leptos_axum::redirect(&ssr::page(&access.name));
    Ok(())
}

/// Send the room's new messages to `url` (https; checked by the outbound guard), only those
/// starting with one of `triggers` (space-separated) if any are given.
#[server(endpoint = "create_outgoing")]
pub async fn create_outgoing(room: RoomName, url: String, triggers: Option<String>) -> Result<(), ApiError> {
    use super::FormError;
    use crate::server::integrations::outgoing_hooks::MAX_TRIGGERS_CHARS;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    let page = ssr::page(&access.name);
    let triggers = triggers.unwrap_or_default();
    let triggers = triggers.split_whitespace().collect::<Vec<_>>().join(" ");
    if triggers.chars().count() > MAX_TRIGGERS_CHARS || triggers.chars().any(char::is_control) {
        return super::ssr::refuse(&page, FormError::InvalidTriggers, "");
    }
    let checked =
        crate::server::integrations::handler_url::check(&url, state.config.hooks_allow_http, &state.outbound);
    let Ok(url) = checked.await else { return super::ssr::refuse(&page, FormError::InvalidHandlerUrl, "") };
    let made = state.store.create_outgoing(access.id, user.id, url.as_str(), &triggers).await;
    match made.map_err(super::ssr::unavailable)? {
        Some(id) => {
            tracing::info!(room = %access.id, hook = %id, by = %user.id, "outgoing webhook registered");
            leptos_axum::redirect(&page);
            Ok(())
        }
        None => super::ssr::refuse(&page, FormError::TooManyIntegrations, ""),
    }
}

/// Remove the room's outgoing webhook `id`: nothing more is sent to it.
#[server(endpoint = "delete_outgoing")]
pub async fn delete_outgoing(room: RoomName, id: i64) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::managed(&state, &user, &room).await?;
    if !state.store.delete_outgoing(access.id, id).await.map_err(super::ssr::unavailable)? {
        return Err(ApiError::not_found());
    }
    tracing::info!(room = %access.id, hook = %id, by = %user.id, "outgoing webhook removed");
    leptos_axum::redirect(&ssr::page(&access.name));
    Ok(())
}
