//! Browser-only code (`hydrate` feature): the live connection and what it keeps in the
//! browser (the outbox in `localStorage`, with what was sent before the page was live:
//! `early_sent`), the emoji picker's fetch and storage (`emoji`), and the composer's draft
//! kept on the server (`drafts`).

use crate::ids::Seq;
pub mod connection;
pub mod drafts;
pub mod early_sent;
pub mod emoji;
pub mod notify;
pub mod storage;
pub mod upload;

use leptos::prelude::*;

use crate::chat_state::ChatState;

/// Start everything that only runs in the browser, once the page is hydrated.
pub fn start(chat: ChatState) {
    // Times were rendered in UTC on the server; show them in the reader's zone now.
    let offset = -(js_sys::Date::new_0().get_timezone_offset() as i64);
    chat.utc_offset.set(offset);

    // Messages typed before a reload or while offline are still waiting to go out.
    // Kept per account and room: after signing in as someone else on this browser, the
    // earlier account's unsent messages stay where they are and are never sent as the new one.
    let key = storage::OutboxKey { username: chat.username.get_value(), room: chat.room.get_value() };
    let saved = storage::load_outbox(&key);
    if !saved.items.is_empty() {
        chat.outbox.set(saved);
    }
    // And those sent before the page was live (`public/early-send.js`).
    early_sent::adopt(chat);
    // From now on every change to the outbox is written back.
    Effect::new(move |_| chat.outbox.with(|outbox| storage::save_outbox(&key, outbox)));

    connection::spawn(chat);
    notify::register_service_worker();
    keep_read_position(chat);
    focus_composer_with_a_keyboard();
    leptos::task::spawn_local(forget_quiet_typists(chat));

    mark_live("data-chat-live");
}

/// A room page opens ready to type, as chat apps do: focus in the composer. Only where the
/// pointer is fine (a mouse, a keyboard): on a touch screen focusing would pop the on-screen
/// keyboard over the history.
fn focus_composer_with_a_keyboard() {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else { return };
    let fine_pointer =
        window.match_media("(pointer: fine)").ok().flatten().is_some_and(|query| query.matches());
    if !fine_pointer {
        return;
    }
    // After this frame: arriving by a client-side route change, the page is not in the
    // document yet when the chat starts.
    request_animation_frame(move || {
        let input = window.document().and_then(|d| d.get_element_by_id("message-input"));
        if let Some(input) = input.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = input.focus();
        }
    });
}

/// Set a marker attribute on `<html>` for tests and styles.
pub fn mark_live(attribute: &str) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute(attribute, "true");
    }
}

/// A random id (128 bits as hex) for a message's `client_id`. Uses `getRandomValues`, which
/// unlike `randomUUID` also works on plain-http pages opened by LAN address.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok())
        .unwrap_or(false);
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Tell the server how far this person has read, so unread counts agree on every device and
/// read receipts tell the truth: at first paint and whenever newer messages arrive, while the
/// page is in view (a hidden tab has read nothing; it catches up when shown), with at most
/// one request in flight.
fn keep_read_position(chat: ChatState) {
    let marked = StoredValue::new(Seq::ZERO);
    let in_flight = StoredValue::new(false);
    Effect::new(move |_| {
        let _newest = chat.timeline.with(|t| t.newest_message());
        // Set back to 0 when the tab is shown again.
        let _shown = chat.unseen_hidden.get();
        send_read_position(chat, marked, in_flight);
    });
}

fn send_read_position(chat: ChatState, marked: StoredValue<Seq>, in_flight: StoredValue<bool>) {
    let newest = chat.timeline.with_untracked(|t| t.newest_message());
    if newest <= marked.get_value() || in_flight.get_value() || notify::page_hidden() {
        return;
    }
    in_flight.set_value(true);
    leptos::task::spawn_local(async move {
        let saved =
            crate::api::call(crate::api::MarkRead { room: chat.room.get_value(), seq: newest }).await.is_ok();
        if saved {
            marked.set_value(newest);
        }
        in_flight.set_value(false);
        // Messages that arrived meanwhile (after a failure, the next message tries again).
        if saved && chat.timeline.with_untracked(|t| t.newest_message()) > marked.get_value() {
            send_read_position(chat, marked, in_flight);
        }
    });
}

/// Once a second, drop "… is typing" for anyone quiet too long. Runs for the page's life.
async fn forget_quiet_typists(chat: ChatState) {
    loop {
        gloo_timers::future::TimeoutFuture::new(1_000).await;
        let now = js_sys::Date::now();
        if chat.typists.with_untracked(|t| t.line().is_some()) {
            chat.typists.update(|t| {
                t.expire(now);
            });
        }
    }
}
