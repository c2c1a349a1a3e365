//! `Sidebar`: your rooms and conversations with unread counts; a drawer on phones.
//!
//! A `<details>` element: always shown on wide screens (CSS opens its content), a
//! tap-to-open drawer on narrow ones, and it works without JavaScript (`public/drawer.js`
//! adds Escape to close it). Links are full page loads (`rel="external"`):
//! each room page owns its live connection.

use crate::ids::{RoomName, Seq};
use leptos::prelude::*;

use crate::components::notify_toggle::NotifyToggle;
use crate::rooms::{RoomKind, RoomSummary, unread_label};

/// `unread_threads`: on a room's page, the followed threads with replies not seen yet (the
/// Threads link counts them live).
#[component]
pub fn Sidebar(
    rooms: RwSignal<Vec<RoomSummary>>,
    current: RoomName,
    #[prop(optional)] unread_threads: Option<RwSignal<Vec<(RoomName, Seq)>>>,
) -> impl IntoView {
    let threads_count = move || unread_threads.map_or(0, |unread| unread.with(Vec::len));
    let here = current.clone();
    let total = move || -> i64 {
        rooms.with(|rooms| rooms.iter().filter(|r| r.name != here).map(|r| r.unread).sum())
    };
    let items = move || {
        rooms
            .get()
            .into_iter()
            .map(|room| {
                let here = room.name == current;
                let unread = (room.unread > 0 && !here).then(|| {
                    view! {
                        <span class="unread" aria-label=format!("{} unread", unread_label(room.unread))>{unread_label(room.unread)}</span>
                    }
                });
                // Mentions of you, counted apart: the messages that ask for you in particular.
                let mentions = (room.mentions > 0 && !here).then(|| {
                    let label = if room.mentions == 1 { "1 mention".to_owned() } else { format!("{} mentions", room.mentions) };
                    view! { <span class="unread mention-count" aria-label=label>"@" {room.mentions}</span> }
                });
                let icon = match room.kind {
                    RoomKind::Public => "",
                    RoomKind::Private => "🔒 ",
                    RoomKind::Direct => "@ ",
                };
                view! {
                    <li>
                        <a
                            href=format!("/r/{}", room.name)
                            rel="external"
                            class:here=here
                            aria-current=here.then_some("page")
                            data-room=room.name.clone()
                        >
                            <span class="room-title">
                                {room.online.map(|online| {
                                    let presence = if online { "online" } else { "offline" };
                                    view! { <span class=format!("dot {presence}") role="img" title=presence aria-label=presence></span> }
                                })}
                                {icon}
                                {room.title}
                            </span>
                            <span class="counts">{mentions} {unread}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <details class="sidebar" id="sidebar">
            <summary>
                "Rooms"
                {move || { let total = total(); (total > 0).then(|| view! { <span class="unread total">{unread_label(total)}</span> }) }}
            </summary>
            // Escape closes the open drawer and puts focus back on its toggle: a static script,
            // so that the pages without the bundle (search, saved, threads) have it too.
            <script src=crate::static_scripts::DRAWER.url() defer></script>
            // A plain GET form: search works the same with and without JavaScript.
            <form class="sidebar-search" method="get" action="/search" role="search">
                <input type="search" name="q" id="sidebar-search" aria-label="Search messages"
                    placeholder="Search messages" required maxlength=crate::api::MAX_SEARCH_CHARS/>
            </form>
            <nav aria-label="Rooms and conversations">
                <ul>{items}</ul>
                <a class="all-rooms" href="/rooms" rel="external">"Find or start a room…"</a>
                <a class="threads-link" href="/threads" rel="external" id="threads-link">
                    "Threads"
                    <span class="unread" hidden=move || threads_count() == 0
                        aria-label=move || format!("{} with new replies", threads_count())>{threads_count}</span>
                </a>
                <a class="saved-link" href="/saved" rel="external" id="saved-link">"Saved messages"</a>
                <NotifyToggle/>
            </nav>
        </details>
    }
}
