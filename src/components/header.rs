//! `Header`: the room's name and topic, who is online, the connection state, and you (a link to your
//! profile).

use leptos::prelude::*;

use crate::chat_state::ChatState;
use crate::components::avatar::Avatar;
use crate::model::Profile;

#[component]
pub fn Header(me: Option<Profile>, title: String) -> impl IntoView {
    let username = me.map(|me| me.username).unwrap_or_default();
    let chat = expect_context::<ChatState>();
    // Memos: a live region is announced when its text changes, and only then.
    let status = Memo::new(move |_| chat.status.get());
    let online = move || {
        let n = chat.online.get();
        if n == 0 { String::new() } else { format!("{n} online") }
    };
    view! {
        <header class="chat-header">
            <h1>
                <span class="logo">"Banter"</span>
                <span class="room" id="room-title">{title}</span>
            </h1>
            {move || chat.topic.with(|topic| (!topic.is_empty()).then(|| view! {
                <p class="topic" id="room-topic" title=topic.clone()>{topic.clone()}</p>
            }))}
            <span id="online-count" class="online">{online}</span>
            <span
                id="connection-status"
                class="status"
                data-status=move || status.get().as_str()
                role="status"
            >
                {move || status.get().label()}
            </span>
            // A full page load (`rel="external"`), not a client-side route change: the live
            // connection belongs to this page and ends with it.
            <a id="me" class="name-button" href="/profile" rel="external" title="Your profile">
                {move || {
                    let name = chat.name.get().unwrap_or_default();
                    view! {
                        <Avatar username=username.clone() name=name.clone()/>
                        <span class="me-name">{name}</span>
                    }
                }}
            </a>
        </header>
    }
}
