//! `MessageList`: the chat window (`#chat-box`), its history paging and its scroll behaviour.
//!
//! It follows the newest message while the reader is at the bottom. A reader who scrolled up
//! keeps their place; new messages then raise a "New messages" control that jumps down.
//! Reaching the top loads the previous page and keeps the reader's place steady.
//!
//! The section around the list is a polite `role="log"` live region: screen readers announce
//! what is appended
//! and do not re-read the history; the `<ol>` inside keeps its list semantics.
//!
//! With the keyboard, the list is one Tab stop; inside it the arrow keys (and Home, End) move
//! from message to message (a roving focus: each message is focusable but not a Tab stop). A
//! focused message shows its exact date and time, as hovering does.

use crate::ids::Seq;
use leptos::prelude::*;

use crate::api::LoadOlder;
use crate::chat::Line;
use crate::chat_state::ChatState;
use crate::components::message_item::{MessageItem, PendingItem};
use crate::grouping::{self, Placement};
use crate::model::now_ms;

/// Whether the list follows new messages; a jump to an older message turns it off.
#[derive(Clone, Copy)]
pub struct Follow(pub RwSignal<bool>);

/// Pixels from the bottom that still count as "at the bottom".
const STICK_SLACK_PX: i32 = 48;
/// Pixels from the top at which the previous page is fetched.
const LOAD_OLDER_AT_PX: i32 = 64;

#[component]
pub fn MessageList() -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let list = NodeRef::<leptos::html::Ol>::new();
    // Whether to follow new messages: true until the reader scrolls up, again at the bottom.
    let stick = RwSignal::new(true);
    provide_context(Follow(stick));
    let unseen = RwSignal::new(false);
    let loading_older = RwSignal::new(false);
    // The jump to the first new message, once used, goes away.
    let jumped = RwSignal::new(false);

    let scroll_to_bottom = move || {
        if let Some(el) = list.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        unseen.set(false);
    };

    let load_previous = move || {
        let Some(first) = chat.timeline.with_untracked(|t| t.first_seq()) else { return };
        if loading_older.get_untracked() || !chat.timeline.with_untracked(|t| t.has_older) {
            return;
        }
        loading_older.set(true);
        leptos::task::spawn_local(async move {
            let result =
                crate::api::call(LoadOlder { room: chat.room.get_value(), before: first, down_to: None })
                    .await;
            let from_bottom =
                list.get_untracked().map(|el| el.scroll_height() - el.scroll_top()).unwrap_or(0);
            match result {
                Ok(page) => {
                    chat.timeline.update(|t| t.prepend(page));
                    // Keep the same message under the reader's eyes.
                    request_animation_frame(move || {
                        if let Some(el) = list.get_untracked() {
                            el.set_scroll_top(el.scroll_height() - from_bottom);
                        }
                    });
                }
                Err(error) => {
                    chat.timeline.update(|t| t.notice(format!("Could not load older messages: {error}")));
                }
            }
            loading_older.set(false);
        });
    };

    // Only the reader moving up unsticks the list. Growth at the end never moves `scrollTop`
    // up, so a scroll event that lands while new lines are still arriving cannot unstick it.
    let last_top = StoredValue::new(0);
    let on_scroll = move |_| {
        let Some(el) = list.get_untracked() else { return };
        let top = el.scroll_top();
        let moved_up = top < last_top.get_value();
        last_top.set_value(top);
        if el.scroll_height() - top - el.client_height() <= STICK_SLACK_PX {
            stick.set(true);
            unseen.set(false);
        } else if moved_up {
            stick.set(false);
        }
        if el.scroll_top() <= LOAD_OLDER_AT_PX {
            load_previous();
        }
    };

    // Something new at the end (a line, or a pending message): follow it if the reader is at
    // the bottom, else offer the jump. Older pages arrive at the start and change neither.
    Effect::new(move |previous: Option<(Option<String>, usize)>| {
        let now =
            (chat.timeline.with(|t| t.lines.last().map(Line::key)), chat.outbox.with(|o| o.items.len()));
        match &previous {
            Some(previous) if now.0 != previous.0 || now.1 > previous.1 => {
                // A scroll up whose event has not been handled yet counts too.
                let scrolled_up =
                    list.get_untracked().is_some_and(|el| el.scroll_top() < last_top.get_value());
                if stick.get_untracked() && !scrolled_up {
                    request_animation_frame(scroll_to_bottom);
                } else {
                    unseen.set(true);
                }
            }
            Some(_) => {}
            // First run, in the browser after hydration: start at the message the page was
            // opened at (a search result), or else at the newest.
            None => match chat.target.get_value() {
                Some(target) => {
                    stick.set(false);
                    leptos::task::spawn_local(jump_to(chat, target));
                }
                None => request_animation_frame(scroll_to_bottom),
            },
        }
        now
    });

    view! {
        // The live region is the section; the list inside stays a list for screen readers (a
        // `role` on the `<ol>` itself would take its list semantics away).
        <section class="messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages">
            <Show when=move || chat.first_unread.get_value().is_some() && !jumped.get()>
                <button id="jump-unread" class="jump-unread secondary small" type="button" on:click=move |_| {
                    jumped.set(true);
                    stick.set(false);
                    jump_to_first_unread();
                }>
                    "Jump to the first new message ↑"
                </button>
            </Show>
            <Show when=move || chat.timeline.with(|t| t.has_older)>
                <button
                    id="load-older"
                    class="load-older"
                    type="button"
                    disabled=move || loading_older.get()
                    on:click=move |_| load_previous()
                >
                    {move || if loading_older.get() { "Loading…" } else { "Load older messages" }}
                </button>
            </Show>
            <ol
                id="chat-box"
                class="chat-box"
                // It scrolls: keyboard users need to reach it to scroll it.
                tabindex="0"
                node_ref=list
                on:scroll=on_scroll
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        chat.selected.set(None);
                    }
                    move_focus(list, ev)
                }
                on:click=move |ev| crate::components::message_touch::tap_outside(chat, &ev)
                // The reader scrolling (a finger or a wheel; not the list following new
                // messages) hides the actions a tap showed.
                on:touchmove=move |_| chat.selected.set(None)
                on:wheel=move |_| chat.selected.set(None)
            >
                <For
                    each=move || {
                        let offset = chat.utc_offset.get();
                        chat.timeline.with(|t| grouping::layout(&t.lines, offset, now_ms()))
                    }
                    // A line whose placement changes (an older page arrived above it, the time
                    // zone switched) is drawn again; the others stay as they are.
                    key=|(line, placement)| (line.key(), placement.clone())
                    let:placed
                >
                    {
                        let (line, Placement { day, continued }) = placed;
                        let separator = day.map(|day| view! { <li class="day"><span>{day}</span></li> });
                        let unread = matches!(&line, Line::Message(m) if Some(m.seq) == chat.first_unread.get_value())
                            .then(|| view! { <li class="unread-line" id="first-unread"><span>"New messages"</span></li> });
                        let item = match line {
                            Line::Message(message) => view! { <MessageItem message continued/> }.into_any(),
                            Line::Notice { text, .. } => view! { <li class="notice">{text}</li> }.into_any(),
                        };
                        view! { {separator} {unread} {item} }
                    }
                </For>
                <For
                    each=move || chat.outbox.with(|o| o.items.iter().filter(|p| p.thread.is_none()).cloned().collect::<Vec<_>>())
                    key=|pending| (pending.client_id.clone(), pending.status, pending.error.clone())
                    let:pending
                >
                    <PendingItem pending/>
                </For>
            </ol>
            <Show when=move || unseen.get()>
                <button id="new-messages" class="new-messages" type="button" on:click=move |_| {
                    stick.set(true);
                    scroll_to_bottom();
                }>
                    "New messages ↓"
                </button>
            </Show>
        </section>
    }
}

/// Scroll the "New messages" line into view and focus the message after it.
fn jump_to_first_unread() {
    show_message("#first-unread + li.message");
}

/// Scroll the message matching `selector` to the middle of the list and focus it: where a
/// jump (to the first new message, to a reply's original) lands.
pub fn show_message(selector: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let found = document().query_selector(selector).ok().flatten();
        if let Some(item) = found.and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok()) {
            let options = leptos::web_sys::ScrollIntoViewOptions::new();
            options.set_block(leptos::web_sys::ScrollLogicalPosition::Center);
            item.scroll_into_view_with_scroll_into_view_options(&options);
            let _ = item.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

/// Bring message `target` into view and focus it, loading older messages until it is there.
pub async fn jump_to(chat: ChatState, target: Seq) {
    loop {
        let (first, has_older) = chat.timeline.with_untracked(|t| (t.first_seq(), t.has_older));
        match first {
            Some(first) if first > target && has_older => {
                match crate::api::call(LoadOlder {
                    room: chat.room.get_value(),
                    before: first,
                    down_to: Some(target),
                })
                .await
                {
                    Ok(page) => chat.timeline.update(|t| t.prepend(page)),
                    Err(_) => return,
                }
            }
            _ => break,
        }
    }
    request_animation_frame(move || show_message(&format!("#chat-box li.message[data-seq=\"{target}\"]")));
}

/// Arrow keys, Home and End in the list: focus the next, previous, first or last message.
/// From the list itself, Up and End go to the newest message and Down and Home to the oldest.
fn move_focus(list: NodeRef<leptos::html::Ol>, ev: leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    move_focus_in_browser(list, ev);
    #[cfg(not(feature = "hydrate"))]
    let _ = (list, ev);
}

#[cfg(feature = "hydrate")]
fn move_focus_in_browser(list: NodeRef<leptos::html::Ol>, ev: leptos::ev::KeyboardEvent) {
    use leptos::wasm_bindgen::JsCast;
    let Some(list) = list.get_untracked() else { return };
    let Ok(messages) = list.query_selector_all("li.message") else { return };
    let count = messages.length();
    if count == 0 {
        return;
    }
    let focused = document().active_element();
    let current: Option<u32> = (0..count).find(|&i| {
        messages
            .item(i)
            .zip(focused.as_ref())
            .is_some_and(|(node, active)| &node == active.unchecked_ref::<leptos::web_sys::Node>())
    });
    // Keys typed into a field or on a button inside a message are theirs.
    let on_list = focused.as_ref().is_some_and(|f| {
        f.unchecked_ref::<leptos::web_sys::Node>() == list.unchecked_ref::<leptos::web_sys::Node>()
    });
    if current.is_none() && !on_list {
        return;
    }
    let target = match (ev.key().as_str(), current) {
        ("ArrowDown", Some(i)) => (i + 1).min(count - 1),
        ("ArrowUp", Some(i)) => i.saturating_sub(1),
        ("ArrowDown" | "Home", None) | ("Home", Some(_)) => 0,
        ("ArrowUp" | "End", None) | ("End", Some(_)) => count - 1,
        _ => return,
    };
    ev.prevent_default();
    if let Some(element) =
        messages.item(target).and_then(|n| n.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}
