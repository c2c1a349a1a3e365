//! Browser-only code (`hydrate` feature): the live connection and what it keeps in the
//! browser (the outbox in `localStorage`).

pub mod connection;
pub mod storage;

use leptos::prelude::*;

use crate::chat_state::ChatState;

/// Start everything that only runs in the browser, once the page is hydrated.
pub fn start(chat: ChatState) {
    // Times were rendered in UTC on the server; show them in the reader's zone now.
    let offset = -(js_sys::Date::new_0().get_timezone_offset() as i64);
    chat.utc_offset.set(offset);

    // Messages typed before a reload or while offline are still waiting to go out.
    let room = chat.room.get_value();
    let saved = storage::load_outbox(&room);
    if !saved.items.is_empty() {
        chat.outbox.set(saved);
    }
    // From now on every change to the outbox is written back.
    Effect::new(move |_| chat.outbox.with(|outbox| storage::save_outbox(&room, outbox)));

    connection::spawn(chat);

    mark_live("data-chat-live");
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
