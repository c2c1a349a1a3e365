//! The outbox in `localStorage`: messages typed but not yet acknowledged survive a reload.

use crate::chat::Outbox;

fn key(room: &str) -> String {
    format!("banter.outbox.v1.{room}")
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn load_outbox(room: &str) -> Outbox {
    local_storage()
        .and_then(|s| s.get_item(&key(room)).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

pub fn save_outbox(room: &str, outbox: &Outbox) {
    let Some(storage) = local_storage() else { return };
    if outbox.items.is_empty() {
        let _ = storage.remove_item(&key(room));
        return;
    }
    match serde_json::to_string(outbox) {
        Ok(text) => {
            if storage.set_item(&key(room), &text).is_err() {
                leptos::logging::warn!("browser storage is full: unsent messages will not survive a reload");
            }
        }
        Err(error) => leptos::logging::warn!("could not save the outbox: {error}"),
    }
}
