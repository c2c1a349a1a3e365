//! The outbox in `localStorage`: messages typed but not yet acknowledged survive a reload.

use crate::chat::Outbox;
use crate::ids::{RoomName, Username};

/// Whose outbox, for which room.
pub struct OutboxKey {
    pub username: Username,
    pub room: RoomName,
}

impl OutboxKey {
    /// Usernames and room names are both `[a-z0-9._-]`, so the dot-separated key is
    /// unambiguous. (v1 keys, by room only, are left alone: they cannot say whose they are.)
    fn storage_key(&self) -> String {
        format!("banter.outbox.v2.{}.{}", self.username, self.room)
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn load_outbox(key: &OutboxKey) -> Outbox {
    local_storage()
        .and_then(|s| s.get_item(&key.storage_key()).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

pub fn save_outbox(key: &OutboxKey, outbox: &Outbox) {
    let Some(storage) = local_storage() else { return };
    if outbox.items.is_empty() {
        let _ = storage.remove_item(&key.storage_key());
        return;
    }
    match serde_json::to_string(outbox) {
        Ok(text) => {
            if storage.set_item(&key.storage_key(), &text).is_err() {
                leptos::logging::warn!("browser storage is full: unsent messages will not survive a reload");
            }
        }
        Err(error) => leptos::logging::warn!("could not save the outbox: {error}"),
    }
}
