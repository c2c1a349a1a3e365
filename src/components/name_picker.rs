//! `NamePicker`: choose a display name (first visit) or change it.
//!
//! A real form posting to the `set_name` server function, so it works before the wasm has
//! loaded and with JavaScript off; once hydrated, the submit is handled in the page.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::SetName;
use crate::chat_state::{ChatState, Command};
use crate::protocol::{MAX_NAME_CHARS, validate_name};

#[component]
pub fn NamePicker(editing: RwSignal<bool>) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let input = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    let current = chat.name.get_untracked().unwrap_or_default();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(field) = input.get() else { return };
        match validate_name(&field.value()) {
            Ok(name) => {
                remember_name(name);
                let had_name = chat.name.get_untracked().is_some();
                chat.name.set(Some(name.to_owned()));
                if had_name {
                    chat.command(Command::Rename(name.to_owned()));
                } else {
                    chat.command(Command::Flush);
                }
                error.set(None);
                editing.set(false);
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };

    view! {
        <form
            id="name-form"
            class="composer name-form"
            method="post"
            action=SetName::url()
            on:submit=on_submit
        >
            <label for="name-input">"Your name"</label>
            <input
                id="name-input"
                name="name"
                type="text"
                autocomplete="nickname"
                required
                maxlength=MAX_NAME_CHARS
                placeholder="Pick a display name"
                value=current
                node_ref=input
                autofocus
            />
            <button type="submit">"Join"</button>
            <Show when=move || editing.get()>
                <button type="button" class="secondary" on:click=move |_| editing.set(false)>
                    "Cancel"
                </button>
            </Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// Keep the name in the cookie the server reads, so the next page load knows it.
fn remember_name(name: &str) {
    #[cfg(feature = "hydrate")]
    crate::client::cookie::set_name(name);
    #[cfg(not(feature = "hydrate"))]
    let _ = name;
}
