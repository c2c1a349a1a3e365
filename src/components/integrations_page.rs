//! `IntegrationsPage` (`/r/<room>/integrations`): a room's incoming webhooks, its own slash
//! commands, its outgoing webhooks and whether its links get previews, for its moderators and the server's administrators;
//! anyone else gets "not found".
//!
//! Plain forms, like the profile's bots: they work without JavaScript, and a new webhook's
//! URL shows once, on the page the form comes back to.

use crate::ids::RoomName;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

use crate::api::{
    CreateCommand, CreateHook, CreateOutgoing, DeleteCommand, DeleteOutgoing, IntegrationsPage as Data,
    RevokeHook, SetLinkPreviews, load_integrations,
};
use crate::components::form_refusal::returned_error;
use crate::components::hook_line::HookLine;
use crate::model::{CommandSummary, HookSummary, OutgoingSummary, date_time};
use crate::protocol::MAX_NAME_CHARS;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let params = use_params_map();
    let room = move || RoomName::from(params.read().get("room").unwrap_or_default());
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
fn Hooks(data: Data, room: RoomName) -> impl IntoView {
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
    let commands = data
        .commands
        .into_iter()
        .map(|command| view! { <CommandItem command room=room.clone()/> })
        .collect_view();
    let outgoing =
        data.outgoing.into_iter().map(|hook| view! { <OutgoingItem hook room=room.clone()/> }).collect_view();
    let (command_room, outgoing_room, previews_room) = (room.clone(), room.clone(), room.clone());
    let previews = match (data.server_previews, data.previews) {
        (false, _) => {
            view! { <p class="muted" id="previews-state">"This server makes no link previews."</p> }
                .into_any()
        }
        (true, on) => view! {
            <p id="previews-state">
                {if on { "A message's first link is shown as a card of what its page says about itself." }
                 else { "Links are shown without a preview here." }}
            </p>
            <form method="post" action=SetLinkPreviews::url() id="set-previews">
                <input type="hidden" name="room" value=previews_room/>
                <input type="hidden" name="on" value=(!on).to_string()/>
                <button type="submit" class="secondary" id="previews-button">
                    {if on { "Turn link previews off" } else { "Turn link previews on" }}
                </button>
            </form>
        }
        .into_any(),
    };
    view! {
        <main class="account integrations-page" id="integrations-page">
            <p><a href=format!("/r/{room}") class="back" rel="external">"← Back to " {title.clone()}</a></p>
            <h1>"Integrations of " {title}</h1>
            <p class="form-error" role="alert">{error}</p>
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
                    <button type="submit" id="create-hook-button">"Make a webhook"</button>
                </form>
            </section>
            <section class="account-form bots" aria-labelledby="commands-title">
                <h2 id="commands-title">"Slash commands"</h2>
                <p class="muted">
                    "Typing " <code>"/name text"</code> " here sends Slack's command fields to your handler, "
                    "signed with the command's secret (HMAC-SHA256, " <code>"X-Slack-Signature"</code> "). "
                    "It has 3 seconds to answer " <code>"{\"text\": \"…\"}"</code> ", shown to the person alone, or "
                    <code>"\"response_type\": \"in_channel\""</code> " to post it to the room."
                </p>
                <ul id="command-list">{commands}</ul>
                <form method="post" action=CreateCommand::url() id="create-command">
                    <input type="hidden" name="room" value=command_room/>
                    <label for="command-name">"Command name"</label>
                    <input id="command-name" name="name" type="text" required autocomplete="off" placeholder="deploy"/>
                    <label for="command-url">"Handler URL"</label>
                    <input id="command-url" name="url" type="url" required autocomplete="off" placeholder="https://"/>
                    <button type="submit" id="create-command-button">"Add a command"</button>
                </form>
            </section>
            <section class="account-form bots" aria-labelledby="outgoing-title">
                <h2 id="outgoing-title">"Outgoing webhooks"</h2>
                <p class="muted">
                    "Each new message here (or only those starting with a trigger word) is sent to the URL "
                    "with Slack's outgoing webhook fields, signed the same way, and retried if it fails."
                </p>
                <ul id="outgoing-list">{outgoing}</ul>
                <form method="post" action=CreateOutgoing::url() id="create-outgoing">
                    <input type="hidden" name="room" value=outgoing_room/>
                    <label for="outgoing-url">"URL"</label>
                    <input id="outgoing-url" name="url" type="url" required autocomplete="off" placeholder="https://"/>
                    <label for="outgoing-triggers">"Trigger words (optional)"</label>
                    <input id="outgoing-triggers" name="triggers" type="text" autocomplete="off"/>
                    <button type="submit" id="create-outgoing-button">"Add an outgoing webhook"</button>
                </form>
            </section>
            <section class="account-form bots" aria-labelledby="previews-title">
                <h2 id="previews-title">"Link previews"</h2>
                {previews}
            </section>
        </main>
    }
    .into_any()
}

#[component]
fn HookItem(hook: HookSummary, room: RoomName) -> impl IntoView {
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

#[component]
fn CommandItem(command: CommandSummary, room: RoomName) -> impl IntoView {
    let label = format!("Remove the command /{}", command.name);
    let by = command.created_by.map(|by| format!(" by @{by}")).unwrap_or_default();
    view! {
        <li class="bot">
            <span><strong>"/" {command.name}</strong> " → " <span class="url">{command.url}</span></span>
            <br/>
            <span class="muted">"made" {by} " " <time>{date_time(command.created_at)}</time> "; secret "</span>
            <code class="secret">{command.secret}</code>
            <form method="post" action=DeleteCommand::url() class="inline-form">
                <input type="hidden" name="room" value=room/>
                <input type="hidden" name="id" value=command.id/>
                <button type="submit" class="secondary small" aria-label=label>"Remove"</button>
            </form>
        </li>
    }
}

#[component]
fn OutgoingItem(hook: OutgoingSummary, room: RoomName) -> impl IntoView {
    let label = format!("Remove the outgoing webhook to {}", hook.url);
    let triggers = if hook.triggers.is_empty() {
        "every message".to_owned()
    } else {
        format!("messages starting with {}", hook.triggers)
    };
    let last = match (hook.last_status, hook.last_at) {
        (Some(0), Some(at)) => format!("; no answer at {}", date_time(at)),
        (Some(status), Some(at)) => format!("; answered {status} at {}", date_time(at)),
        _ => "; nothing sent yet".to_owned(),
    };
    view! {
        <li class="bot">
            <span class="url">{hook.url}</span>
            <br/>
            <span class="muted">{triggers} {last} "; secret "</span>
            <code class="secret">{hook.secret}</code>
            <form method="post" action=DeleteOutgoing::url() class="inline-form">
                <input type="hidden" name="room" value=room/>
                <input type="hidden" name="id" value=hook.id/>
                <button type="submit" class="secondary small" aria-label=label>"Remove"</button>
            </form>
        </li>
    }
}
