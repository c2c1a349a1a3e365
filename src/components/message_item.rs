//! One line of the chat window: a delivered message (`MessageItem`), with its author's
//! actions on it (edit, delete; a moderator's delete), or one still on its way (`PendingItem`).

use crate::ids::{RoomName, Seq, Username};
use leptos::prelude::*;

use crate::chat::{Pending, PendingStatus};
use crate::chat_state::{ChatState, Command};
use crate::components::attachment_view::AttachmentList;
use crate::components::avatar::Avatar;
use crate::components::emoji_picker::EmojiPicker;
use crate::components::icons::{AddReactionIcon, PinIcon};
use crate::components::link_card::LinkCard;
use crate::components::message_list::{Follow, jump_to};
use crate::components::message_touch;
use crate::emoji::is_jumbo;
use crate::model::{ChatMessage, Quote, Reaction, clock_time, local_date_time};
use crate::protocol::ClientFrame;

/// Reactions offered in one click on every message; the picker has the rest.
const QUICK_REACTIONS: [&str; 4] = ["👍", "❤️", "😂", "🎉"];

/// One message; `in_thread` when it is drawn in the thread panel (its ids there start with
/// `t-`, as the room's list may show the same message).
#[component]
pub fn MessageItem(
    message: ChatMessage,
    continued: bool,
    #[prop(optional)] in_thread: bool,
) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let ts = message.ts;
    let seq = message.seq;
    let dom_id = if in_thread { format!("t-{seq}") } else { format!("m-{seq}") };
    let (react_ids, edit_id) = (format!("react-{dom_id}"), format!("edit-{dom_id}"));
    let room = chat.room.get_value();
    // Under a root in the room's list: its thread at a glance, a way in. On a reply also in
    // the room: where its thread is.
    let thread_line = match (&message.thread, message.thread_root) {
        (Some(thread), None) if !in_thread => Some(view! { <ThreadLine room=room.clone() root=seq thread=thread.clone()/> }.into_any()),
        (_, Some(root)) if !in_thread => Some(view! {
            <a class="in-thread" href=crate::model::thread_path(&room, root) rel="external">"Replied in a thread"</a>
        }.into_any()),
        _ => None,
    };
    // Any message of the room (not a reply in a thread) can start one.
    let may_branch = !in_thread && message.thread_root.is_none();
    // By account: display names are not unique, usernames are.
    let mine = !message.username.is_empty() && chat.username.with_value(|me| *me == message.username);
    let mentions_me = chat.username.with_value(|me| message.mentions.contains(me));
    // From someone this person blocks: folded away, opened only on purpose.
    let from_blocked = !mine && chat.blocked.with_value(|blocked| blocked.contains(&message.username));
    let handle = (!message.username.is_empty()).then(|| format!("@{}", message.username));
    let jumbo = is_jumbo(&message.body);
    let editing = RwSignal::new(false);
    let quote_of_this = Quote {
        seq,
        author: message.author.clone(),
        username: message.username.clone(),
        excerpt: Quote::excerpt_of(&message.body),
        deleted: false,
    };
    let reply = move |_| {
        chat.replying.set(Some(quote_of_this.clone()));
        focus_composer();
    };
    let text = StoredValue::new(message.body.clone());
    // The server's sanitized rendering (links, formatting); a few emoji alone are drawn large
    // as text.
    let body = if message.deleted {
        view! { <p class="body deleted">"Message deleted"</p> }.into_any()
    } else if message.html.is_empty() || jumbo {
        view! { <p class="body" class:jumbo=jumbo>{message.body}</p> }.into_any()
    } else {
        view! { <div class="body rich" inner_html=message.html></div> }.into_any()
    };
    let edited = message.edited_at.filter(|_| !message.deleted).map(|at| {
        view! {
            <span class="edited" title=move || format!("Edited {}", local_date_time(at, chat.utc_offset.get()))>
                "(edited)"
            </span>
        }
    });
    let may_delete = mine || chat.moderator.get_value();
    let pinned = message.pinned;
    let pin_mark = pinned.then(|| {
        view! { <span class="pinned-mark" title="Pinned to the room"><PinIcon/> "Pinned"</span> }
    });
    let pin = move |_| {
        chat.command(Command::Change(ClientFrame::Pin {
            room: chat.room.get_value(),
            client_id: change_id(),
            seq,
            pinned: !pinned,
        }))
    };
    let saved = move || chat.saved.with(|saved| saved.contains(&seq));
    let react = move |emoji: String| {
        chat.command(Command::Change(ClientFrame::React {
            room: chat.room.get_value(),
            client_id: change_id(),
            seq,
            emoji,
        }))
    };
    let reactions = (!message.reactions.is_empty()).then(|| {
        let me = chat.username.get_value();
        view! { <Reactions reactions=message.reactions.clone() me react/> }
    });
    let preview = message.preview.clone().map(|preview| view! { <LinkCard preview=*preview seq mine/> });
    let answers = message.reply_to.clone().map(|quote| view! { <QuoteLine quote=*quote/> });
    // The action bar is drawn once someone reaches for this message (the pointer over it,
    // focus in it, a tap or a long press), not for every message up front: it is about two
    // thirds of a message's HTML, which a phone must parse, style and lay out before the page
    // can send (docs/benchmarks.md, "A repeat visit"). Until the page is live the bar is hidden
    // anyway (style/main.css); once drawn, it stays, and the stylesheet shows it as before.
    let armed = RwSignal::new(false);
    let arm = move || {
        if !armed.get_untracked() {
            armed.set(true);
        }
    };
    let actions = (!message.deleted).then(|| {
        view! {
            <Show when=move || armed.get() fallback=|| ()>
            <span class="actions" on:click=move |ev| message_touch::used(chat, &ev)>
                {QUICK_REACTIONS
                    .iter()
                    .map(|emoji| {
                        view! {
                            <button type="button" class="action quick" aria-label=format!("React with {emoji}")
                                title=format!("React with {emoji}") on:click=move |_| react((*emoji).to_owned())>
                                {*emoji}
                            </button>
                        }
                    })
                    .collect_view()}
                <span class="reaction-picker">
                    <EmojiPicker on_pick=react ids=react_ids.clone() label="Add reaction" face=|| view! { <AddReactionIcon/> }/>
                </span>
                // In a thread, a reply is a reply in it (its composer); a thread branches only
                // from the room's own messages. (Hidden rather than left out: one view type.)
                <button type="button" class="action" aria-label="Reply" title="Reply" on:click=reply.clone() hidden=in_thread>"Reply"</button>
                <a class="action" href=crate::model::thread_path(&room, seq) rel="external"
                    title="Reply in a thread" hidden=!may_branch>"Thread"</a>
                // A toggle: its name stays "Save", `aria-pressed` says whether it is saved
                // (one reactive attribute: the button, and the focus on it, stay).
                <button type="button" class="action save" aria-pressed=move || saved().to_string()
                    title="Save for later" on:click=move |_| leptos::task::spawn_local(save(chat, seq, !saved()))>
                    "Save"
                </button>
                {chat.may_pin.get_value().then(|| view! {
                    <button type="button" class="action" aria-label=if pinned { "Unpin message" } else { "Pin message" }
                        title=if pinned { "Unpin from the room" } else { "Pin to the room" } on:click=pin>
                        {if pinned { "Unpin" } else { "Pin" }}
                    </button>
                })}
                {mine.then(|| view! {
                    <button type="button" class="action" aria-label="Edit message" title="Edit"
                        on:click=move |_| editing.set(true)>"Edit"</button>
                })}
                {may_delete.then(|| view! {
                    <button type="button" class="action" aria-label="Delete message" title="Delete"
                        on:click=move |_| delete_message(chat, seq, mine)>"Delete"</button>
                })}
                // The server's own page (a reason and a note), for someone else's message.
                {(!mine).then(|| view! {
                    <a class="action" href=crate::model::report_path(&room, seq) rel="external"
                        aria-label="Report message" title="Report to the room's moderators">"Report"</a>
                })}
            </span>
            </Show>
        }
    });
    view! {
        <li class="message" class:mine=mine class:continued=continued class:from-blocked=from_blocked class:is-deleted=message.deleted
            class:mentions-me=mentions_me class:selected=move || chat.selected.get() == Some(seq)
            on:mouseenter=move |_| arm()
            on:focusin=move |_| arm()
            on:click=move |ev| {
                arm();
                message_touch::tap(chat, seq, &ev)
            }
            on:contextmenu=move |ev| {
                arm();
                message_touch::long_press(chat, seq, &ev)
            }
            data-seq=message.seq.0 data-client-id=message.client_id data-username=message.username.clone()
            id=dom_id tabindex="-1">
            // The header (hidden but still read out in a group's later messages).
            <Avatar username=message.username.clone() name=message.author.clone()/>
            <span class="byline">
                <span class="author">{message.author}</span>
                {handle.map(|handle| view! { " " <span class="username">{handle}</span> })}
                {message.bot.then(|| view! { " " <span class="badge bot-mark">"bot"</span> })}
                {message.via.map(|via| view! { " " <span class="via">"via " {via}</span> })}
                {mentions_me.then(|| view! { <span class="visually-hidden">", mentions you"</span> })}
            </span>
            <time class="time" data-ts=ts title=move || local_date_time(ts, chat.utc_offset.get())>
                {move || clock_time(ts, chat.utc_offset.get())}
            </time>
            {pin_mark}
            <Show
                when=move || editing.get()
                fallback=move || ()
            >
                <EditForm seq text editing id=edit_id.clone()/>
            </Show>
            {fold(from_blocked, view! {
                <div class="content" class:hidden=move || editing.get()>
                    {answers}
                    {body}
                    {edited}
                    <AttachmentList attachments=message.attachments.clone()/>
                    {preview}
                    {reactions}
                    {thread_line}
                </div>
            })}
            {actions}
            {(!in_thread).then(|| view! { <SeenBy seq/> })}
            <span class="state" aria-hidden="true"></span>
        </li>
    }
}

/// A message's content, folded under "Message from a blocked person" when `folded`.
fn fold(folded: bool, content: impl IntoView + 'static) -> AnyView {
    if folded {
        view! {
            <details class="blocked-message">
                <summary>"Message from a blocked person"</summary>
                {content}
            </details>
        }
        .into_any()
    } else {
        content.into_any()
    }
}

/// "Seen by …" under the newest message each other member has read (read receipts), live.
#[component]
fn SeenBy(seq: Seq) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    move || {
        let names = chat.receipts.with(|receipts| {
            let me = chat.username.get_value();
            receipts.as_deref().map(|receipts| crate::chat::seen_by(receipts, seq, &me)).unwrap_or_default()
        });
        (!names.is_empty()).then(
            || view! { <p class="seen-by" title=names.join(", ")>{crate::chat::seen_by_text(&names)}</p> },
        )
    }
}

/// A thread under its root: how many replies, who took part, when the last came; a link to it.
#[component]
fn ThreadLine(room: RoomName, root: Seq, thread: crate::model::ThreadSummary) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let replies =
        if thread.replies == 1 { "1 reply".to_owned() } else { format!("{} replies", thread.replies) };
    let last_at = thread.last_at;
    view! {
        <a class="thread-line" href=crate::model::thread_path(&room, root) rel="external">
            <span class="thread-people" aria-hidden="true">
                {thread.people.into_iter().map(|username| view! { <Avatar username=username.clone() name=username/> }).collect_view()}
            </span>
            <strong class="thread-count">{replies}</strong>
            <span class="muted">" · last reply " {move || clock_time(last_at, chat.utc_offset.get())}</span>
        </a>
    }
}

/// The one-line quote of the message a reply answers; a click (or Enter) scrolls to it,
/// loading older history first if it is not on the page yet.
#[component]
pub fn QuoteLine(quote: Quote) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let follow = use_context::<Follow>();
    let target = quote.seq;
    let text = if quote.deleted {
        view! { <span class="muted">"a deleted message"</span> }.into_any()
    } else {
        view! { <strong>{quote.author}</strong> ": " {quote.excerpt} }.into_any()
    };
    view! {
        <button type="button" class="quote" aria-label="Replying to: go to the message"
            on:click=move |_| {
                // Reading back: new messages must not pull the list away from it.
                if let Some(Follow(stick)) = follow {
                    stick.set(false);
                }
                leptos::task::spawn_local(jump_to(chat, target));
            }>
            <span aria-hidden="true">"↩ "</span>
            {text}
        </button>
    }
}

/// Focus the message input (after choosing to reply).
fn focus_composer() {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let input = document().get_element_by_id("message-input");
        if let Some(input) = input.and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok()) {
            let _ = input.focus();
        }
    }
}

/// A message's reactions: one button per emoji with its count, pressed if one of them is
/// yours; who reacted on hover and keyboard focus. Pressing it adds or takes back yours.
#[component]
fn Reactions(
    reactions: Vec<Reaction>,
    me: Username,
    react: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <ul class="reactions" aria-label="Reactions">
            {reactions
                .into_iter()
                .map(|reaction| {
                    let pressed = reaction.users.contains(&me);
                    let names = Username::join(&reaction.users, ", ");
                    let count = reaction.users.len();
                    let label = format!("{} {count}: {names}", reaction.emoji);
                    let emoji = reaction.emoji.clone();
                    view! {
                        <li>
                            <button type="button" class="reaction" aria-pressed=pressed.to_string() title=names
                                aria-label=label on:click=move |_| react(emoji.clone())>
                                <span class="reaction-emoji">{reaction.emoji}</span>
                                " "
                                {count}
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Editing one's own message in place: Enter (or Save) sends the new text, Escape (or Cancel)
/// leaves it as it was.
#[component]
fn EditForm(seq: Seq, text: StoredValue<String>, editing: RwSignal<bool>, id: String) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let field = NodeRef::<leptos::html::Textarea>::new();
    let save = move || {
        let Some(body) = field.get_untracked().map(|f| f.value()) else { return };
        if body.trim() != text.get_value().trim() && !body.trim().is_empty() {
            chat.command(Command::Change(ClientFrame::Edit {
                room: chat.room.get_value(),
                client_id: change_id(),
                seq,
                body,
            }));
        }
        editing.set(false);
    };
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });
    view! {
        <form class="edit-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            save();
        }>
            <label class="visually-hidden" for=id.clone()>"Edit message"</label>
            <textarea
                id=id
                rows="2"
                node_ref=field
                prop:value=text.get_value()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                    "Enter" if !ev.shift_key() && !ev.is_composing() => {
                        ev.prevent_default();
                        save();
                    }
                    "Escape" => {
                        ev.prevent_default();
                        ev.stop_propagation();
                        editing.set(false);
                    }
                    _ => {}
                }
            ></textarea>
            <span class="edit-buttons">
                <button type="submit">"Save"</button>
                <button type="button" class="secondary" on:click=move |_| editing.set(false)>"Cancel"</button>
            </span>
        </form>
    }
}

/// Save message `seq` for later (`on`), or take it off the saved list; the page says so if
/// the server refuses.
async fn save(chat: ChatState, seq: Seq, on: bool) {
    match crate::api::call(crate::api::SaveMessage { room: chat.room.get_value(), seq, saved: on }).await {
        Ok(()) => chat.saved.update(|saved| {
            saved.retain(|s| *s != seq);
            if on {
                saved.push(seq);
            }
        }),
        Err(error) => chat.timeline.update(|t| t.notice(format!("Not saved: {error}"))),
    }
}

/// Ask, then delete message `seq` (one's own, or as the room's moderator).
fn delete_message(chat: ChatState, seq: Seq, mine: bool) {
    let question = if mine {
        "Delete this message? It is removed for everyone, with its files."
    } else {
        "Delete this message as the room's moderator? It is removed for everyone, and the deletion is logged."
    };
    if !confirm(question) {
        return;
    }
    chat.command(Command::Change(ClientFrame::Delete {
        room: chat.room.get_value(),
        client_id: change_id(),
        seq,
    }));
}

fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        leptos::web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        false
    }
}

/// A fresh id for an edit or deletion (a resend of it would be applied once).
pub(crate) fn change_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        crate::client::random_id()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

#[component]
pub fn PendingItem(pending: Pending) -> impl IntoView {
    let chat = expect_context::<ChatState>();
    let failed = pending.status == PendingStatus::Failed;
    let jumbo = is_jumbo(&pending.body);
    let client_id = pending.client_id.clone();
    let retry_id = client_id.clone();
    let discard_id = client_id.clone();
    view! {
        <li class="message mine pending" class:failed=failed data-client-id=client_id>
            <span class="author">{pending.author}</span>
            <p class="body" class:jumbo=jumbo>{pending.body}</p>
            {pending.reply_to.clone().map(|quote| view! { <QuoteLine quote/> })}
            <AttachmentList attachments=pending.attachments/>
            {if failed {
                view! {
                    <span class="state">
                        "Not sent: " {pending.error.unwrap_or_default()} " "
                        <button type="button" class="retry" on:click=move |_| {
                            chat.outbox.update(|o| o.retry(&retry_id));
                            chat.command(Command::Flush);
                        }>"Retry"</button>
                        <button type="button" class="secondary" on:click=move |_| {
                            chat.outbox.update(|o| o.discard(&discard_id));
                        }>"Discard"</button>
                    </span>
                }
                    .into_any()
            } else {
                view! { <span class="state">"sending…"</span> }.into_any()
            }}
        </li>
    }
}
