//! `RoomsPage`: find a public room, create one (public or private), or start a conversation.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::{CreateRoom, OpenDirect, RoomsPage as Data, load_rooms};
use crate::components::form_refusal::refusal;
use crate::rooms::MAX_ROOM_NAME_CHARS;

#[component]
pub fn RoomsPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| load_rooms());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) if !data.signed_in => view! { <Redirect path="/signin"/> }.into_any(),
                    Ok(data) => view! { <Rooms data/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Rooms(data: Data) -> impl IntoView {
    let create = ServerAction::<CreateRoom>::new();
    let direct = ServerAction::<OpenDirect>::new();
    let (created, opened) = (refusal(create), refusal(direct));
    // The latest refusal (both forms read the same query when it came in one).
    let error = move || opened.get().or_else(|| created.get());
    let public = data
        .public
        .into_iter()
        .map(|name| view! { <li><a href=format!("/r/{name}") rel="external">"#" {name.clone()}</a></li> })
        .collect_view();
    view! {
        <main class="account rooms-page">
            <p><a href="/" class="back" rel="external">"← Back to the chat"</a></p>
            <p class="form-error" role="alert">{error}</p>
            <section>
                <h2>"Public rooms"</h2>
                <ul class="room-list" id="public-rooms">{public}</ul>
            </section>
            <ActionForm action=create attr:id="create-room-form" attr:class="account-form">
                <h2>"Create a room"</h2>
                <label for="room-name">"Name"</label>
                <input id="room-name" name="name" type="text" required maxlength=MAX_ROOM_NAME_CHARS
                    autocapitalize="none" placeholder="e.g. rust-help"/>
                <label class="check">
                    <input type="checkbox" name="private" value="on" id="room-private"/>
                    " Private: invite only, hidden from everyone else"
                </label>
                <button type="submit">"Create"</button>
            </ActionForm>
            <ActionForm action=direct attr:id="direct-form" attr:class="account-form">
                <h2>"Message someone"</h2>
                <label for="direct-username">"Username"</label>
                <input id="direct-username" name="username" type="text" required autocapitalize="none"/>
                <button type="submit">"Open conversation"</button>
            </ActionForm>
        </main>
    }
}
