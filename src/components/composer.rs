//! `Composer`: the message input and the Send button.
//!
//! A real form posting to the `post_message` server function, so sending works with
//! JavaScript off; once hydrated, submit puts the message in the outbox and the connection
//! sends it. Enter submits, as in any single-line form.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::PostMessage;
use crate::chat::{Pending, PendingStatus};
use crate::chat_state::{ChatState, Command};
use crate::protocol::validate_body;

#[component]
pub fn Composer(form_client_id: String) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let input = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);

    // Tell the room at most every few seconds while typing.
    let last_typing = StoredValue::new(f64::MIN);
    let on_input = move |_: leptos::ev::Event| {
        let now = now_ms();
        if now - last_typing.get_value() >= crate::typing::TYPING_SEND_EVERY_MS {
            last_typing.set_value(now);
            chat.command(Command::Typing);
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(field), Some(author)) = (input.get(), chat.name.get_untracked()) else { return };
        let body = match validate_body(&field.value()) {
            Ok(body) => body.to_owned(),
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        };
        error.set(None);
        chat.outbox.update(|outbox| {
            outbox.add(Pending {
                client_id: new_client_id(),
                room: chat.room.get_value(),
                author,
                body,
                status: PendingStatus::Sending,
                error: None,
                attempts: 0,
                sent_at: 0.0,
            })
        });
        chat.command(Command::Flush);
        field.set_value("");
        let _ = field.focus();
    };

    view! {
        <form
            id="composer"
            class="composer"
            method="post"
            action=PostMessage::url()
            on:submit=on_submit
        >
            <input type="hidden" name="room" value=chat.room.get_value()/>
            <input type="hidden" name="client_id" value=form_client_id/>
            <label for="message-input" class="visually-hidden">"Message"</label>
            <input
                id="message-input"
                name="body"
                type="text"
                autocomplete="off"
                enterkeyhint="send"
                placeholder="Write a message"
                required
                node_ref=input
                on:input=on_input
            />
            <button type="submit">"Send"</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

fn new_client_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        crate::client::random_id()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}
