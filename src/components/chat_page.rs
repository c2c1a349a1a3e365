//! `ChatPage`: loads a room (server-rendered), then holds the live chat together: the
//! sidebar of rooms, the header, the messages, the composer.

use crate::ids::{RoomName, Seq};
use leptos::prelude::*;

use crate::api::{ChatPage as ChatPageData, LoadChat};
use crate::chat_state::ChatState;
use crate::components::attachment_tray::Attachments;
use crate::components::composer::Composer;
use crate::components::emoji_source::EmojiSource;
use crate::components::header::Header;
use crate::components::message_list::MessageList;
use crate::components::room_info::RoomInfo;
use crate::components::sidebar::Sidebar;
use crate::components::thread_panel::ThreadPanel;
use crate::page_address::RoomAddress;

/// The room at `address`: `/` is the default room, `/r/<name>` any other, `?at=<seq>` opens it
/// at that message, `/r/<name>/t/<seq>` opens message `seq`'s thread beside it.
#[component]
pub fn ChatPage(address: RoomAddress) -> impl IntoView {
    let RoomAddress { room, at, thread } = address;
    let page = Resource::new_blocking(
        move || (room.clone(), at, thread),
        |(room, at, thread)| crate::api::call(LoadChat { room, at, thread }),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) if data.me.is_none() => view! { <ToSignIn/> }.into_any(),
                    Ok(data) if data.info.is_none() => view! { <NotFound data/> }.into_any(),
                    Ok(data) => view! { <ChatWindow data thread/> }.into_any(),
                    Err(error) => {
                        view! {
                            <p class="page-error" role="alert">
                                "Banter could not load this room: " {error.to_string()}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Not signed in: the sign-in page instead (a redirect from the server; in the browser, which
/// meets this only if the session ended between the page and its hydration, a page load).
#[component]
fn ToSignIn() -> impl IntoView {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect("/signin");
    #[cfg(feature = "hydrate")]
    let _ = window().location().replace("/signin");
}

/// A room that does not exist, or that this person may not know about: the same page.
#[component]
fn NotFound(data: ChatPageData) -> impl IntoView {
    view! {
        <div class="layout">
            <Sidebar rooms=RwSignal::new(data.rooms) current=RoomName::default()/>
            <main class="chat not-found" id="room-not-found">
                <h1>"Not found"</h1>
                <p>"There is no room here that you can open."</p>
                <p><a href="/rooms" rel="external">"Find or start a room"</a></p>
            </main>
        </div>
    }
}

/// The room's page; with `thread` (`/r/<room>/t/<root>`), that thread open beside it.
#[component]
fn ChatWindow(data: ChatPageData, thread: Option<Seq>) -> impl IntoView {
    let form_client_id = data.form_client_id.clone();
    // The thread's own form needs an id of its own: a resent form is stored once by its id.
    let thread_form_id = format!("{form_client_id}-t");
    let at = data.at;
    let found = data.thread.is_some();
    let attachments = Attachments::new(data.upload_limit);
    provide_context(attachments);
    // The composer's picker and completions and the reaction pickers share one catalog.
    provide_context(EmojiSource::new(data.me.as_ref().map(|me| me.username.clone()).unwrap_or_default()));
    let me = data.me.clone();
    let room = data.room.clone();
    let info = data.info.clone();
    let chat = ChatState::new(data);
    provide_context(chat);

    // In the browser only: start the live connection and switch times to local.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::client::start(chat));

    let title = info.as_ref().map(|i| i.title.clone()).unwrap_or_default();
    let joined = info.as_ref().is_none_or(|i| i.joined);
    // A conversation with someone this person blocks takes nothing new: the composer gives
    // way to a way out of the block.
    let blocked_peer = info.as_ref().filter(|i| i.kind == crate::rooms::RoomKind::Direct).and_then(|i| {
        let me = me.as_ref().map(|m| m.username.as_str()).unwrap_or_default();
        let peer = i.members.iter().find(|m| m.username != me)?;
        chat.blocked.with_value(|blocked| blocked.contains(&peer.username)).then(|| peer.clone())
    });
    // A file dragged over the chat: it shows where a drop will go.
    let dropping = RwSignal::new(false);
    // Changes only when who is typing changes, not with every `typing` frame: the line is a
    // live region, and a keystroke elsewhere is no news.
    let typing_line = Memo::new(move |_| chat.typists.with(|t| t.line()));
    // The page title names the room (it is what a screen reader announces on arrival), after
    // the count of what is unread: elsewhere, and here while the tab was hidden.
    let here = room.clone();
    let unread = Memo::new(move |_| {
        let elsewhere: i64 =
            chat.rooms.with(|rooms| rooms.iter().filter(|r| r.name != here).map(|r| r.unread).sum());
        elsewhere + chat.unseen_hidden.get()
    });
    let named = title.clone();
    // `try_get`: the server reads the title after the page has rendered, when the signals of a
    // render it threw away (a loading pass, under concurrent requests) are gone already; the
    // room's name alone is right then. A panic there dropped the whole response.
    let page_title = move || match unread.try_get().unwrap_or_default() {
        0 => format!("{named} · Banter"),
        n => format!("({n}) {named} · Banter"),
    };
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| crate::client::notify::show_count(unread.get()));
        // Back on the tab: what arrived meanwhile is in view.
        let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !crate::client::notify::page_hidden() {
                chat.unseen_hidden.set(0);
            }
        });
    }
    let join_title = title.clone();
    let panel = info.filter(|i| !i.members.is_empty()).map(|info| {
        let me = me.as_ref().map(|m| m.username.clone()).unwrap_or_default();
        view! { <RoomInfo room=room.clone() info me/> }
    });
    let thread_panel = thread.map(|root| {
        if found {
            view! { <ThreadPanel root form_client_id=thread_form_id.clone() at joined/> }.into_any()
        } else {
            view! {
                <aside class="thread-panel" id="thread" aria-labelledby="thread-title">
                    <h2 id="thread-title">"Thread not found"</h2>
                    <p>"There is no thread here that you can open."</p>
                    <p><a href=format!("/r/{room}") rel="external">"Back to the room"</a></p>
                </aside>
            }
            .into_any()
        }
    });
    view! {
        <leptos_meta::Title text=page_title/>
        {joined.then(|| view! { <a class="skip-link" href="#message-input" on:click=skip_to_input>"Skip to message input"</a> })}
        <div class="layout" class:with-thread=thread.is_some()>
            <Sidebar rooms=chat.rooms current=room.clone() unread_threads=chat.unread_threads/>
            <main
                class="chat"
                class:dropping=move || dropping.get()
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    // Saying "yes" to the drag is what lets the drop happen.
                    if joined {
                        ev.prevent_default();
                        dropping.set(true);
                    }
                }
                on:dragleave=move |_| dropping.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    dropping.set(false);
                    if !joined {
                        return;
                    }
                    ev.prevent_default();
                    #[cfg(feature = "hydrate")]
                    attachments.add(crate::client::upload::files_of(ev.data_transfer().and_then(|d| d.files())));
                }
            >
                <Header me title/>
                {panel}
                <MessageList/>
                <p id="typing" class="typing" aria-live="polite">
                    {move || typing_line.get()}
                </p>
                {if let Some(peer) = blocked_peer {
                    view! { <BlockedConversation room=room.clone() peer/> }.into_any()
                } else if joined {
                    view! { <Composer form_client_id/> }.into_any()
                } else {
                    view! { <JoinRoom room=room.clone() title=join_title.clone()/> }.into_any()
                }}
            </main>
            {thread_panel}
        </div>
    }
}

/// The skip link's work once the page is live: the router would treat the fragment as a
/// navigation, so focus the composer directly. (Without JavaScript the browser follows the
/// fragment itself.)
fn skip_to_input(ev: leptos::ev::MouseEvent) {
    use leptos::wasm_bindgen::JsCast;
    let input = document().get_element_by_id("message-input");
    if let Some(input) = input.and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok()) {
        ev.prevent_default();
        let _ = input.focus();
    }
}

/// In place of the composer in a conversation with someone this person blocks: a plain form
/// to unblock them, answered with a redirect back to the conversation, open again.
#[component]
fn BlockedConversation(room: RoomName, peer: crate::rooms::Member) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    view! {
        <form method="post" action=crate::api::UnblockPerson::url() class="join-room" id="blocked-conversation">
            <input type="hidden" name="room" value=room/>
            <input type="hidden" name="username" value=peer.username.clone()/>
            <p class="muted">"You blocked " {peer.name} ". Neither of you can write here while you do."</p>
            <button type="submit">{format!("Unblock @{}", peer.username)}</button>
        </form>
    }
}

/// In place of the composer for someone reading a public room they have not joined: a plain
/// form (JavaScript or not), answered with a redirect back to the room, now joined.
#[component]
fn JoinRoom(room: RoomName, title: String) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    view! {
        <form method="post" action=crate::api::JoinRoom::url() class="join-room" id="join-room">
            <input type="hidden" name="room" value=room/>
            <p class="muted">"You are reading " {title.clone()} ". Join to talk here."</p>
            <button type="submit">"Join " {title}</button>
        </form>
    }
}
