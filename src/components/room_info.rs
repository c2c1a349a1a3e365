//! `RoomInfo`: who is in the room (a conversation starts from any of their names, and any of
//! them can be blocked); for a
//! private room inviting and leaving; for its moderators removing people, promoting (the
//! creator), the moderation log and the room's integrations; the room's webhooks.
//!
//! Plain form posts, JavaScript or not: the server answers with a redirect and the page
//! loads afresh, so the member list and the live connection reflect the change at once.

use crate::ids::{RoomName, Username};
use leptos::prelude::*;

use leptos::server_fn::ServerFn;

use crate::api::{
    BlockPerson, Invite, Member, OpenDirect, RemoveMember, RoomInfo as Info, SetModerator, SetNotify,
    UnblockPerson,
};
use crate::chat_state::ChatState;
use crate::components::hook_line::HookLine;
use crate::notifications::NotifyLevel;
use crate::rooms::{MEMBER_LIST_MAX, RoomKind};

#[component]
pub fn RoomInfo(room: RoomName, info: Info, me: Username) -> impl IntoView {
    let error = crate::components::form_refusal::returned_error();
    let invite = Invite::url();
    let manage = info.kind == RoomKind::Private && info.mine;
    let moderates = info.moderator && info.kind != RoomKind::Direct;
    // Live where the page is: the list follows joins, invitations, leaving and removals.
    let members =
        use_context::<ChatState>().map_or_else(|| RwSignal::new(info.members.clone()), |chat| chat.members);
    let rights = Rights { moderates, promotes: info.promotes, kind: info.kind };
    let (list_room, list_me) = (room.clone(), me.clone());
    let list = move || {
        members
            .get()
            .into_iter()
            .map(|member| view! { <MemberRow member room=list_room.clone() me=list_me.clone() rights/> })
            .collect_view()
    };
    let count = move || {
        let count = members.with(Vec::len);
        if count >= MEMBER_LIST_MAX {
            format!("{count}+ members")
        } else if count == 1 {
            "1 member".to_owned()
        } else {
            format!("{count} members")
        }
    };
    let log = moderates.then(|| {
        view! {
            <p>
                <a href=format!("/r/{room}/moderation") rel="external" id="moderation-log-link">"Moderation log"</a>
                " · "
                <a href=format!("/r/{room}/integrations") rel="external" id="integrations-link">"Integrations"</a>
            </p>
        }
    });
    let hooks = (!info.hooks.is_empty()).then(|| {
        let rows = info
            .hooks
            .into_iter()
            .map(|hook| view! { <li class="hook"><HookLine hook/></li> })
            .collect_view();
        view! {
            <h2 id="hooks-heading">"Webhooks"</h2>
            <ul class="hooks" id="hooks" aria-labelledby="hooks-heading">{rows}</ul>
        }
    });
    let level = info.notify;
    let levels = NotifyLevel::CHOICES
        .into_iter()
        .map(|choice| view! { <option value=choice.as_str() selected=choice == level>{choice.label()}</option> })
        .collect_view();
    let notify_form = info.joined.then(|| {
        view! {
            <form method="post" action=SetNotify::url() class="inline-form" id="notify-form">
                <input type="hidden" name="room" value=room.clone()/>
                <label for="notify-level">"Notify me of"</label>
                <select id="notify-level" name="level">{levels}</select>
                <button type="submit" class="secondary small">"Save"</button>
            </form>
        }
    });
    let remove = RemoveMember::url();
    let pins = use_context::<ChatState>().map_or_else(|| RwSignal::new(info.pins.clone()), |chat| chat.pins);
    let pins_room = room.clone();
    // One reactive view for the heading and the list (no `Show`: one view type fewer in the
    // wasm).
    let pin_list = move || {
        let pins = pins.get();
        let count = pins.len();
        let rows = pins.into_iter().map(|pin| view! { <PinRow pin room=pins_room.clone()/> }).collect_view();
        (count > 0).then(|| {
            view! {
                <h2 class="pins-heading" id="pins-heading">"Pinned " <span class="muted">{count}</span></h2>
                <ul class="pins" id="pins" aria-labelledby="pins-heading">{rows}</ul>
            }
        })
    };
    let (invite_room, leave_room) = (room.clone(), room);
    view! {
        <details class="room-info" id="room-info">
            <summary>{count}</summary>
            {notify_form}
            <ul class="members">{list}</ul>
            {pin_list}
            {hooks}
            {log}
            {manage.then(|| view! {
                <form method="post" action=invite class="inline-form" id="invite-form">
                    <input type="hidden" name="room" value=invite_room.clone()/>
                    <label for="invite-username" class="visually-hidden">"Username to invite"</label>
                    <input id="invite-username" name="username" type="text" placeholder="username" required/>
                    <button type="submit">"Invite"</button>
                </form>
            })}
            {(info.kind == RoomKind::Private).then(|| view! {
                <form method="post" action=remove class="inline-form">
                    <input type="hidden" name="room" value=leave_room.clone()/>
                    <input type="hidden" name="username" value=me.clone()/>
                    <button type="submit" class="secondary" id="leave-room">"Leave room"</button>
                </form>
            })}
            <p class="form-error" role="alert">{error}</p>
        </details>
    }
}

/// One pinned message: who wrote what, who pinned it; a link to it in the room (in place on
/// a live page, loading older history if needed; a page load without JavaScript).
#[component]
fn PinRow(pin: crate::model::Pin, room: RoomName) -> impl IntoView {
    let seq = pin.message.seq;
    let chat = use_context::<ChatState>();
    let open = move |ev: leptos::ev::MouseEvent| {
        if let Some(chat) = chat {
            ev.prevent_default();
            leptos::task::spawn_local(crate::components::message_list::jump_to(chat, seq));
        }
    };
    view! {
        <li class="pin" data-seq=seq.0>
            <a href=format!("/r/{room}?at={seq}#m-{seq}") rel="external" on:click=open>
                <strong>{pin.message.author}</strong> ": " {pin.message.excerpt}
            </a>
            <span class="muted">" pinned by @" {pin.by}</span>
        </li>
    }
}

/// What the person viewing the list may do to others in it.
#[derive(Clone, Copy)]
struct Rights {
    /// Remove members (a moderator, outside conversations).
    moderates: bool,
    /// Promote and demote moderators (the creator, or an administrator).
    promotes: bool,
    kind: RoomKind,
}

/// One member: online or not (live), their names, and what the viewer may do about them.
#[component]
fn MemberRow(member: Member, room: RoomName, me: Username, rights: Rights) -> impl IntoView {
    let (remove, direct, promote) = (RemoveMember::url(), OpenDirect::url(), SetModerator::url());
    let yourself = member.username == me;
    // Moderators remove anyone but each other; the creator (or an admin) anyone.
    let removable = rights.moderates && !yourself && (!member.moderator || rights.promotes);
    let promotable = rights.promotes && !yourself && rights.kind != RoomKind::Direct;
    let is_moderator = member.moderator;
    let username = member.username.clone();
    let rendered = member.online;
    let who = member.username.clone();
    // Live: what the connection has heard since, over what the list was made with.
    let chat = use_context::<ChatState>();
    let presence = Signal::derive(move || {
        let online = chat.and_then(|chat| chat.presence.with(|p| p.get(&who).copied())).unwrap_or(rendered);
        if online { "online" } else { "offline" }
    });
    view! {
        <li>
            <span class="member">
                <span class=move || format!("dot {}", presence.get()) role="img" title=presence aria-label=presence></span>
                {member.name.clone()} " " <span class="muted">"@" {username.clone()}</span>
                {is_moderator.then(|| view! { " " <span class="badge">"moderator"</span> })}
                {member.bot.then(|| view! { " " <span class="badge bot-mark">"bot"</span> })}
            </span>
            {(!yourself).then(|| {
                let username = member.username.clone();
                view! {
                    <form method="post" action=direct class="inline-form">
                        <input type="hidden" name="username" value=username.clone()/>
                        <button type="submit" class="secondary small" aria-label=format!("Message {username}")>
                            "Message"
                        </button>
                    </form>
                }
            })}
            {(!yourself).then(|| {
                // Blocking answers with a redirect back here: the page reloads folded.
                let blocked = chat.is_some_and(|chat| chat.blocked.with_value(|b| b.contains(&username)));
                let (action, label, text) = if blocked {
                    (UnblockPerson::url(), format!("Unblock {username}"), "Unblock")
                } else {
                    (BlockPerson::url(), format!("Block {username}"), "Block")
                };
                view! {
                    <form method="post" action=action class="inline-form">
                        <input type="hidden" name="room" value=room.clone()/>
                        <input type="hidden" name="username" value=username.clone()/>
                        <button type="submit" class="secondary small" aria-label=label>{text}</button>
                    </form>
                }
            })}
            {promotable.then(|| {
                let (label, action) = if is_moderator {
                    (format!("Remove {username} as moderator"), "Remove moderator")
                } else {
                    (format!("Make {username} a moderator"), "Make moderator")
                };
                view! {
                    <form method="post" action=promote class="inline-form">
                        <input type="hidden" name="room" value=room.clone()/>
                        <input type="hidden" name="username" value=username.clone()/>
                        {(!is_moderator).then(|| view! { <input type="hidden" name="moderator" value="on"/> })}
                        <button type="submit" class="secondary small" aria-label=label>{action}</button>
                    </form>
                }
            })}
            {removable.then(|| view! {
                <form method="post" action=remove class="inline-form">
                    <input type="hidden" name="room" value=room.clone()/>
                    <input type="hidden" name="username" value=username.clone()/>
                    <button type="submit" class="secondary small" aria-label=format!("Remove {username}")>"Remove"</button>
                </form>
            })}
        </li>
    }
}
