//! The display-name cookie, written from the page (the server reads it on the next load).

use wasm_bindgen::JsCast;

use crate::protocol::MAX_NAME_CHARS;

const NAME_COOKIE: &str = "banter_name";
const MAX_AGE_SECS: u32 = 365 * 24 * 60 * 60;

pub fn set_name(name: &str) {
    debug_assert!(name.chars().count() <= MAX_NAME_CHARS);
    let Some(document) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
    else {
        return;
    };
    let value = js_sys::encode_uri_component(name);
    let cookie = format!("{NAME_COOKIE}={value}; Path=/; Max-Age={MAX_AGE_SECS}; SameSite=Lax");
    if document.set_cookie(&cookie).is_err() {
        leptos::logging::warn!("could not store the display name cookie");
    }
}
