//! `IntegrationsPage` (`/r/<room>/integrations`): a room's incoming webhooks, for its
//! moderators and the server's administrators; anyone else gets "not found".
//!
//! Plain forms, like the profile's bots: they work without JavaScript, and a new webhook's
//! URL shows once, on the page the form comes back to.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

use crate::api::{CreateHook, IntegrationsPage as Data, RevokeHook, load_integrations};
use crate::components::account_form::returned_error;
use crate::model::{HookSummary, date_time};
use crate::protocol::MAX_NAME_CHARS;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let params = use_params_map();
    let room = move || params.read().get("room").unwrap_or_default();
    let data = Resource::new_blocking(room, load_integrations);
    view! {
        <leptos_meta::Title text="Integrations · Banter"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) if !data.signed_in => view! { <Redirect path="/signin"/> }.into_any(),
                    Ok(data) => view! { <Hooks data room=room()/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Hooks(data: Data, room: String) -> impl IntoView {
    let Some(title) = data.title else {
        return view! {
            <main class="account" id="room-not-found">
                <h1>"Not found"</h1>
                <p>"There are no integrations here that you manage."</p>
            </main>
        }
        .into_any();
    };
    let error = returned_error();
    let new_hook = data.new_hook.map(|hook| {
        view! {
            <div id="hook-url" class="bot-token" role="status">
                <p>"The new webhook's URL. Copy it now: it is not shown again."</p>
                <code id="hook-url-value">{hook.url}</code>
            </div>
        }
    });
    let empty = data.hooks.is_empty().then(|| view! { <p class="muted">"No webhooks yet."</p> });
    let hooks =
        data.hooks.into_iter().map(|hook| view! { <HookItem hook room=room.clone()/> }).collect_view();
    view! {
        <main class="account integrations-page" id="integrations-page">
            <p><a href=format!("/r/{room}") class="back" rel="external">"← Back to " {title.clone()}</a></p>
            <h1>"Integrations of " {title}</h1>
            <section class="account-form bots" aria-labelledby="hooks-title">
                <h2 id="hooks-title">"Incoming webhooks"</h2>
                <p class="muted">
                    "A tool posts into this room by sending " <code>"{\"text\": \"…\"}"</code>
                    " to a webhook's URL. Each webhook posts as a bot of its own."
                </p>
                {new_hook}
                {empty}
                <ul id="hook-list">{hooks}</ul>
                <form method="post" action=CreateHook::url() id="create-hook">
                    <input type="hidden" name="room" value=room/>
                    <label for="hook-name">"Name its messages show"</label>
                    <input id="hook-name" name="name" type="text" required maxlength=MAX_NAME_CHARS autocomplete="off"/>
                    <p class="form-error" role="alert">{error}</p>
                    <button type="submit" id="create-hook-button">"Make a webhook"</button>
                </form>
            </section>
        </main>
    }
    .into_any()
}

#[component]
fn HookItem(hook: HookSummary, room: String) -> impl IntoView {
    let label = format!("Revoke the webhook {}", hook.name);
    view! {
        <li class="bot">
            <HookLine hook=hook.clone()/>
            <form method="post" action=RevokeHook::url() class="inline-form">
                <input type="hidden" name="room" value=room/>
                <input type="hidden" name="id" value=hook.id/>
                <button type="submit" class="secondary small" aria-label=label>"Revoke"</button>
            </form>
        </li>
    }
}

/// A webhook in words: its name, who made it and when, when it last posted. The room's info
/// panel lists them the same way.
#[component]
pub fn HookLine(hook: HookSummary) -> impl IntoView {
    let posted = match hook.last_used_at {
        Some(at) => view! { "last posted " <time>{date_time(at)}</time> }.into_any(),
        None => view! { "has not posted yet" }.into_any(),
    };
    let by = hook.created_by.map(|by| format!(" by @{by}")).unwrap_or_default();
    view! {
        <span>{hook.name} " " <span class="badge bot-mark">"bot"</span></span>
        <br/>
        <span class="muted">"made" {by} " " <time>{date_time(hook.created_at)}</time> ", " {posted}</span>
    }
}
