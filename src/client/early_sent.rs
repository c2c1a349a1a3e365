//! Messages sent before the page was live, taken into the outbox when it becomes live.
//!
//! Until the wasm arrives, `public/early-send.js` sends from the room's composer by HTTP and
//! leaves each message at the end of the list as an `<li data-early=…>` (that script's header
//! lists the attributes). Hydration leaves those nodes alone; here each becomes a [`Pending`]
//! and its node goes, so from then on the live page shows and settles it like any other:
//! one the server already stored is only waited for (`Pending::stored`: never sent again), one
//! still on its way or unanswered goes out on the connection with the same `client_id` (the
//! server stores a `client_id` once), one refused keeps its reason with Retry and Discard.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chat::{Pending, PendingStatus};
use crate::chat_state::ChatState;
use crate::ids::Seq;

/// Adopt every message the page sent before it was live into the outbox, after what the
/// browser kept from earlier visits.
pub fn adopt(chat: ChatState) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(nodes) = document.query_selector_all("#chat-box li[data-early]") else { return };
    let author = chat.name.get_untracked().unwrap_or_default();
    let mut adopted = Vec::new();
    for index in 0..nodes.length() {
        let Some(item) = nodes.item(index).and_then(|node| node.dyn_into::<web_sys::Element>().ok()) else {
            continue;
        };
        let attribute = |name: &str| item.get_attribute(name).unwrap_or_default();
        item.remove();
        let (client_id, body) = (attribute("data-client-id"), attribute("data-body"));
        if client_id.is_empty() || body.is_empty() {
            continue;
        }
        let mut pending = Pending::new(client_id, chat.room.get_value(), author.clone(), body);
        match attribute("data-early").as_str() {
            "stored" => pending.stored = attribute("data-seq").parse().ok().map(Seq),
            "failed" => {
                pending.status = PendingStatus::Failed;
                pending.error = Some(attribute("data-error"));
            }
            // `sending` or `unsent`: the connection sends it, under the same id.
            _ => {}
        }
        adopted.push(pending);
    }
    if !adopted.is_empty() {
        chat.outbox.update(|outbox| adopted.into_iter().for_each(|pending| outbox.add(pending)));
    }
}
