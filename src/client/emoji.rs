//! The emoji catalog's fetch, and what the picker keeps in `localStorage`: recently used emoji
//! (per account) and the chosen skin tone.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::emoji::{CATALOG_PATH, Catalog, RECENT_MAX};

/// Fetch and parse the catalog. The browser's cache keeps it after the first time.
pub async fn fetch_catalog() -> Result<Catalog, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(CATALOG_PATH)).await.map_err(describe)?;
    let response: web_sys::Response = response.dyn_into().map_err(describe)?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(describe)?).await.map_err(describe)?;
    Ok(Catalog::parse(&text.as_string().unwrap_or_default()))
}

fn describe(error: wasm_bindgen::JsValue) -> String {
    error.as_string().unwrap_or_else(|| "the network failed".to_owned())
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn recent_key(username: &str) -> String {
    format!("banter.emoji.recent.{username}")
}

const TONE_KEY: &str = "banter.emoji.tone";

/// The account's recently used emoji, most recent first (space-separated in storage: no emoji
/// contains a space).
pub fn load_recent(username: &str) -> Vec<String> {
    local_storage()
        .and_then(|s| s.get_item(&recent_key(username)).ok().flatten())
        .map(|text| text.split(' ').filter(|e| !e.is_empty()).take(RECENT_MAX).map(str::to_owned).collect())
        .unwrap_or_default()
}

pub fn save_recent(username: &str, recent: &[String]) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&recent_key(username), &recent.join(" "));
    }
}

pub fn load_tone() -> usize {
    local_storage()
        .and_then(|s| s.get_item(TONE_KEY).ok().flatten())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

pub fn save_tone(tone: usize) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(TONE_KEY, &tone.to_string());
    }
}

/// Put `text` in place of UTF-16 positions `start..end` of `input` (the caret when `None`)
/// and leave the caret after it.
pub fn replace_range(input: &web_sys::HtmlTextAreaElement, text: &str, start: Option<u32>) {
    let len = input.value().encode_utf16().count() as u32;
    let end = input.selection_end().ok().flatten().unwrap_or(len);
    let start = start.or_else(|| input.selection_start().ok().flatten()).unwrap_or(end).min(end);
    let _ = input.set_range_text_with_start_and_end_and_mode(text, start, end, "end");
}

/// The input's text before its caret.
pub fn before_caret(input: &web_sys::HtmlTextAreaElement) -> String {
    let value = input.value();
    let caret = input.selection_start().ok().flatten().map_or(usize::MAX, |c| c as usize);
    let units: Vec<u16> = value.encode_utf16().take(caret).collect();
    String::from_utf16_lossy(&units)
}
