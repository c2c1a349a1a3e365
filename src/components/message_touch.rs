//! A message's actions on touch screens: shown for the one message a person taps (or
//! long-presses), hidden again by a tap elsewhere, the reader scrolling, Escape, or using one
//! of them. (Scrolling is the reader's finger or wheel, never the list following a new
//! message: in a busy room the bar would otherwise vanish under the finger.)
//!
//! Why: a phone has no hover, and a toolbar under every message took more of the screen than
//! the messages did. Desktop (hover) and keyboard focus are CSS's business and unchanged;
//! this only keeps [`ChatState::selected`], which the stylesheet reads on `(hover: none)`.

use crate::ids::Seq;
use leptos::prelude::*;

use crate::chat_state::ChatState;

/// Controls inside a message that do their own thing when tapped.
#[cfg(feature = "hydrate")]
const CONTROLS: &str = "button, a, input, textarea, label, summary, video, audio, .emoji-picker";

/// A tap on message `seq`: show its actions, or hide them if they were showing.
pub fn tap(chat: ChatState, seq: Seq, ev: &leptos::ev::MouseEvent) {
    if touch_screen() && !on_control(ev) {
        chat.selected.update(|selected| *selected = if *selected == Some(seq) { None } else { Some(seq) });
    }
}

/// A long press (the `contextmenu` a touch screen raises for it): show `seq`'s actions
/// instead of the browser's menu. A mouse's right click keeps the menu.
pub fn long_press(chat: ChatState, seq: Seq, ev: &leptos::ev::MouseEvent) {
    if touch_screen() && !on_control(ev) {
        ev.prevent_default();
        chat.selected.set(Some(seq));
    }
}

/// A click inside the action bar: one of the actions was used (the picker's own button only
/// opens the picker), so the bar goes.
pub fn used(chat: ChatState, ev: &leptos::ev::MouseEvent) {
    if matches_target(ev, "button.action, .emoji-option") {
        chat.selected.set(None);
    }
}

/// A tap in the list but on no message.
pub fn tap_outside(chat: ChatState, ev: &leptos::ev::MouseEvent) {
    if !matches_target(ev, "li.message") {
        chat.selected.set(None);
    }
}

/// Whether the page is on a screen without hover (a phone or tablet).
fn touch_screen() -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().match_media("(hover: none)").ok().flatten().is_some_and(|query| query.matches())
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

fn on_control(ev: &leptos::ev::MouseEvent) -> bool {
    #[cfg(feature = "hydrate")]
    {
        matches_target(ev, CONTROLS)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        false
    }
}

/// Whether the event's target is, or is inside, an element matching `selector`.
fn matches_target(ev: &leptos::ev::MouseEvent, selector: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        ev.target()
            .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
            .and_then(|element| element.closest(selector).ok().flatten())
            .is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (ev, selector);
        false
    }
}
