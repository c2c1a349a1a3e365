//! `ThreadPanel`: one thread beside the room (`/r/<room>/t/<root>`): its root, its replies and
//! a composer that answers in it. On a narrow screen it covers the room, a page of its own.
//! Without JavaScript the page is the same, server-rendered, and its form posts into the
//! thread (the composer's form endpoint with a `thread` field), answered with a redirect back.
//!
//! Opening and closing a thread are plain links (a page load): the page, and its connection,
//! then start from the server's state of that thread, so nothing needs merging.

use crate::ids::Seq;
use leptos::prelude::*;

use crate::attachments::FORM_POST_PATH;
use crate::chat::{Line, Pending};
use crate::chat_state::{ChatState, Command};
use crate::components::composer::new_client_id;
use crate::components::message_item::{MessageItem, PendingItem};
use crate::protocol::validate_post;

#[component]
pub fn ThreadPanel(root: Seq, form_client_id: String, at: Option<Seq>, joined: bool) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let room = chat.room.get_value();
    let loading = RwSignal::new(false);
    let load_older = move |_| {
        let Some(first) = chat.thread.with_untracked(|t| t.first_seq()) else { return };
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::call(crate::api::LoadThread {
                room: chat.room.get_value(),
                root,
                before: Some(first),
            })
            .await
            {
                Ok(page) => chat.thread.update(|t| t.prepend(page.replies)),
                Err(error) => {
                    chat.thread.update(|t| t.notice(format!("Could not load older replies: {error}")))
                }
            }
            loading.set(false);
        });
    };
    // Opened at a reply (a search result, a notification): show it.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(at) = at {
            request_animation_frame(move || {
                crate::components::message_list::show_message(&format!(
                    "#thread li.message[data-seq=\"{at}\"]"
                ))
            });
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = at;
    view! {
        <aside class="thread-panel" id="thread" aria-labelledby="thread-title">
            <header class="thread-header">
                <h2 id="thread-title">"Thread"</h2>
                // A toggle: its name stays, `aria-pressed` says whether it is followed.
                <button type="button" class="secondary small follow-thread" id="follow-thread"
                    aria-pressed=move || chat.following.get().to_string() hidden=!joined
                    title="Followed threads notify you of their replies and are listed under Threads"
                    on:click=move |_| leptos::task::spawn_local(follow(chat, root, !chat.following.get_untracked()))>
                    "Follow"
                </button>
                <a class="close-thread" href=format!("/r/{room}") rel="external" aria-label="Close thread">"✕"</a>
            </header>
            <section class="thread-log" role="log" aria-label="Thread messages">
                <button type="button" class="secondary small older-replies" on:click=load_older
                    hidden=move || !chat.thread.with(|t| t.has_older) disabled=move || loading.get()>"Older replies"</button>
                <ol class="thread-messages">
                    <For
                        each=move || chat.thread.with(|t| t.lines.clone())
                        key=Line::key
                        let:line
                    >
                        {match line {
                            Line::Message(message) => view! { <MessageItem message continued=false in_thread=true/> }.into_any(),
                            Line::Notice { text, .. } => view! { <li class="notice">{text}</li> }.into_any(),
                        }}
                    </For>
                    <For
                        each=move || chat.outbox.with(|o| o.items.iter().filter(|p| p.thread == Some(root)).cloned().collect::<Vec<_>>())
                        key=|pending| (pending.client_id.clone(), pending.status, pending.error.clone())
                        let:pending
                    >
                        <PendingItem pending/>
                    </For>
                </ol>
            </section>
            {joined.then(|| view! { <ThreadComposer root form_client_id/> })}
        </aside>
    }
}

/// Follow the thread (`on`) or stop; the button says so once the server agrees.
async fn follow(chat: ChatState, root: Seq, on: bool) {
    match crate::api::call(crate::api::FollowThread { room: chat.room.get_value(), root, follow: on }).await {
        Ok(()) => chat.following.set(on),
        Err(error) => chat.thread.update(|t| t.notice(format!("Could not change following: {error}"))),
    }
}

/// Answering in the thread: a real form (the composer's endpoint, with the thread's root), so
/// it works without JavaScript; once hydrated, the reply goes through the outbox like any
/// message. "Also send to the room" shows it in the room's timeline too.
#[component]
fn ThreadComposer(root: Seq, form_client_id: String) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let input = NodeRef::<leptos::html::Textarea>::new();
    let also = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    // What is typed is kept as this thread's draft, for the person's other devices.
    #[cfg(feature = "hydrate")]
    let drafts = crate::client::drafts::DraftSync::new(
        chat.room.get_value(),
        Some(root),
        chat.thread_draft.get_value(),
        None,
    );
    let draft_changed = move || {
        #[cfg(feature = "hydrate")]
        if let Some(field) = input.get_untracked() {
            drafts.changed(field.value(), None);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(field), Some(author)) = (input.get(), chat.name.get_untracked()) else { return };
        let body = match validate_post(&field.value(), &[]) {
            Ok(body) => body.to_owned(),
            Err(e) => return error.set(Some(e.to_string())),
        };
        error.set(None);
        let also_to_room = also.get_untracked().is_some_and(|b| b.checked());
        chat.outbox.update(|outbox| {
            outbox.add(Pending {
                thread: Some(root),
                also_to_room,
                ..Pending::new(new_client_id(), chat.room.get_value(), author, body)
            })
        });
        chat.command(Command::Flush);
        // Replying follows the thread (the server does the same).
        chat.following.set(true);
        field.set_value("");
        draft_changed();
        if let Some(also) = also.get_untracked() {
            also.set_checked(false);
        }
        let _ = field.focus();
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            if let Some(form) = input.get_untracked().and_then(|field| field.form()) {
                let _ = form.request_submit();
            }
        }
    };
    view! {
        <form id="thread-composer" class="composer thread-composer" method="post" action=FORM_POST_PATH
            enctype="multipart/form-data" on:submit=on_submit>
            <input type="hidden" name="room" value=chat.room.get_value()/>
            <input type="hidden" name="client_id" value=form_client_id/>
            <input type="hidden" name="thread" value=root.to_string()/>
            <label for="thread-input" class="visually-hidden">"Reply in thread"</label>
            <textarea id="thread-input" name="body" rows="1" autocomplete="off" placeholder="Reply in thread"
                node_ref=input on:keydown=on_keydown on:input=move |_| draft_changed()>
                {chat.thread_draft.get_value()}
            </textarea>
            <button type="submit">"Send"</button>
            <label class="also-to-room">
                <input type="checkbox" name="also_to_room" value="1" node_ref=also/>
                " Also send to the room"
            </label>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}
