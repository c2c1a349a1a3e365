//! `Header`: the room's name, who is online, the connection state, and your name.

use leptos::prelude::*;

use crate::chat_state::ChatState;

#[component]
pub fn Header(editing_name: RwSignal<bool>) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let room = chat.room.get_value();
    let online = move || {
        let n = chat.online.get();
        if n == 0 { String::new() } else { format!("{n} online") }
    };
    view! {
        <header class="chat-header">
            <h1>
                <span class="logo">"Banter"</span>
                <span class="room">"#" {room}</span>
            </h1>
            <span id="online-count" class="online">{online}</span>
            <span
                id="connection-status"
                class="status"
                data-status=move || chat.status.get().as_str()
                role="status"
            >
                {move || chat.status.get().label()}
            </span>
            <Show when=move || chat.name.with(Option::is_some) && !editing_name.get()>
                <button
                    id="change-name"
                    class="name-button"
                    type="button"
                    title="Change your display name"
                    on:click=move |_| editing_name.set(true)
                >
                    {move || chat.name.get().unwrap_or_default()}
                </button>
            </Show>
        </header>
    }
}
