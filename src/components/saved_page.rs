//! `SavedPage` (`/saved`): the messages a person saved for later, the most recently saved
//! first, each a link into its room at that message.
//!
//! Rendered on the server, and "Remove" is a plain form post, so the page works without
//! JavaScript. Only what the person may still read is listed (the server checks on every
//! load).

use crate::ids::RoomName;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::api::{SaveMessage, SavedList, SavedMessage, saved_page};
use crate::components::sidebar::Sidebar;
use crate::model::date_time;

#[component]
pub fn SavedPage() -> impl IntoView {
    let list = Resource::new_blocking(|| (), |()| saved_page());
    view! {
        <leptos_meta::Title text="Saved messages · Banter"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(data) if !data.signed_in => view! { <Redirect path="/signin"/> }.into_any(),
                    Ok(data) => view! { <Saved data/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Saved(data: SavedList) -> impl IntoView {
    let SavedList { rooms, saved, .. } = data;
    let summary = match saved.len() {
        0 => "Nothing saved yet. Choose “Save” on a message to keep it here.".to_owned(),
        1 => "1 saved message.".to_owned(),
        n => format!("{n} saved messages, most recently saved first."),
    };
    view! {
        <div class="layout">
            <Sidebar rooms=RwSignal::new(rooms) current=RoomName::default()/>
            <main class="saved-page" id="saved-page">
                <h1>"Saved messages"</h1>
                <p class="muted" id="saved-summary">{summary}</p>
                <ol class="saved-list" id="saved-list">
                    {saved.into_iter().map(|message| view! { <Item message/> }).collect_view()}
                </ol>
            </main>
        </div>
    }
}

/// One saved message: where and by whom, its text, a link to it, and a way to let it go.
#[component]
fn Item(message: SavedMessage) -> impl IntoView {
    let href = crate::model::message_path(&message.room, message.seq, message.thread_root);
    let (room, form_room) = (message.room.clone(), message.room.clone());
    let text = if message.body.is_empty() { "(attachments)".to_owned() } else { message.body };
    view! {
        <li class="saved-item" data-room=room data-seq=message.seq.0>
            <a href=href rel="external" class="hit-link">
                <span class="hit-where">
                    <strong>{message.room_title}</strong>
                    " · " {message.author}
                    <span class="muted">" @" {message.username}</span>
                    " · " <time>{date_time(message.ts)}</time>
                </span>
                <span class="hit-text">{text}</span>
            </a>
            <form method="post" action=SaveMessage::url() class="inline-form">
                <input type="hidden" name="room" value=form_room/>
                <input type="hidden" name="seq" value=message.seq.0/>
                <input type="hidden" name="saved" value="false"/>
                <button type="submit" class="secondary small">"Remove"</button>
            </form>
        </li>
    }
}
