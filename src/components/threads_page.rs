//! `ThreadsPage` (`/threads`): the threads a person follows, the most recently active first,
//! each with its replies and how many are new, a link into it and a way to stop following.
//!
//! Rendered on the server, and "Unfollow" is a plain form post, so the page works without
//! JavaScript. Only threads of rooms the person may still read are listed (checked on every
//! load).

use crate::ids::RoomName;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::api::{FollowThread, FollowedThread, ThreadsList, threads_page};
use crate::components::sidebar::Sidebar;
use crate::model::{date_time, thread_path};

#[component]
pub fn ThreadsPage() -> impl IntoView {
    let list = Resource::new_blocking(|| (), |()| threads_page());
    view! {
        <leptos_meta::Title text="Threads · Banter"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(data) if !data.signed_in => view! { <Redirect path="/signin"/> }.into_any(),
                    Ok(data) => view! { <Threads data/> }.into_any(),
                    Err(error) => view! { <p class="page-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Threads(data: ThreadsList) -> impl IntoView {
    let ThreadsList { rooms, threads, .. } = data;
    let summary = match threads.len() {
        0 => "You follow no thread yet. Start one, reply in one or choose “Follow” in a thread.".to_owned(),
        1 => "1 thread you follow.".to_owned(),
        n => format!("{n} threads you follow, the most recently active first."),
    };
    view! {
        <div class="layout">
            <Sidebar rooms=RwSignal::new(rooms) current=RoomName::default()/>
            <main class="saved-page" id="threads-page">
                <h1>"Threads"</h1>
                <p class="muted" id="threads-summary">{summary}</p>
                <ol class="saved-list" id="threads-list">
                    {threads.into_iter().map(|thread| view! { <Item thread/> }).collect_view()}
                </ol>
            </main>
        </div>
    }
}

/// One followed thread: where, whose message started it, its replies (the new ones marked),
/// a link into it, and a way to stop following it.
#[component]
fn Item(thread: FollowedThread) -> impl IntoView {
    let href = thread_path(&thread.room, thread.root.seq);
    let form_room = thread.room.clone();
    let text = if thread.root.deleted { "(deleted)".to_owned() } else { thread.root.excerpt };
    let replies =
        if thread.replies == 1 { "1 reply".to_owned() } else { format!("{} replies", thread.replies) };
    let has_unread = thread.unread > 0;
    let new = has_unread.then(|| view! { <strong class="unread">{thread.unread} " new"</strong> });
    view! {
        <li class="saved-item" data-room=thread.room.clone() data-root=thread.root.seq.0 class:has-unread=has_unread>
            <a href=href rel="external" class="hit-link">
                <span class="hit-where">
                    <strong>{thread.room_title}</strong>
                    " · " {thread.root.author}
                    " · " {replies} " · last " <time>{date_time(thread.last_at)}</time>
                    " " {new}
                </span>
                <span class="hit-text">{text}</span>
            </a>
            <form method="post" action=FollowThread::url() class="inline-form">
                <input type="hidden" name="room" value=form_room/>
                <input type="hidden" name="root" value=thread.root.seq.0/>
                <input type="hidden" name="follow" value="false"/>
                <button type="submit" class="secondary small">"Unfollow"</button>
            </form>
        </li>
    }
}
