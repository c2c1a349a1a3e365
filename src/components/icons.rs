//! Icons drawn inline as SVG, for buttons whose face is a symbol: they render the same on
//! every device, unlike a glyph the device's fonts may lack (a fullwidth "＋" showed as an
//! empty box on phones). Decorative: the button around each carries the accessible name.

use leptos::prelude::*;

/// "Add reaction": a smiling face with a small plus.
#[component]
pub fn AddReactionIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M20.5 11.5a8.5 8.5 0 1 1-8-8.5"/>
            <path d="M8.5 14.5s1.3 1.8 3.5 1.8 3.5-1.8 3.5-1.8"/>
            <path d="M9 9.5h.01M15 9.5h.01"/>
            <path d="M19 2v6M16 5h6"/>
        </svg>
    }
}

/// "Pinned": a pushpin.
#[component]
pub fn PinIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d="M12 17v5"/>
            <path d="M9 3h6l-1 6 3 3v2H7v-2l3-3z"/>
        </svg>
    }
}
