//! The live connection: connect, say hello with the last `seq` held, send the outbox, apply
//! what the server sends; on any failure, reconnect with backoff and jitter and resume.
//!
//! One async loop owns the socket, so there is a single place where frames go out and come
//! in. The page talks to it through [`Command`]s.
//!
//! Browsers hide WebSocket pings from pages, so the client sends its own `ping` frame every
//! [`HEARTBEAT_MS`] and treats [`DEAD_AFTER_MS`] without hearing anything as a dead link; the
//! `offline`/`online` events cut that short when the browser knows.

use crate::ids::Seq;
use futures::channel::mpsc::{UnboundedReceiver, unbounded};
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::chat::Edit;
use crate::chat_state::{ChatState, Command, ConnStatus};
use crate::client::notify;
use crate::protocol::{self, ClientFrame, ErrorCode, PresenceEvent, ResumeFrom, ServerFrame, encode};
use crate::rooms::{RoomKind, RoomSummary};

/// Milliseconds between the client's pings (and checks for due resends).
pub const HEARTBEAT_MS: u32 = 5_000;
/// Milliseconds without any frame after which the connection is given up.
pub const DEAD_AFTER_MS: f64 = 15_000.0;
/// Milliseconds a connection attempt may take.
pub const CONNECT_TIMEOUT_MS: u32 = 10_000;
/// First and largest reconnect delays, in milliseconds; each failure doubles the delay.
pub const BACKOFF_MIN_MS: f64 = 500.0;
pub const BACKOFF_MAX_MS: f64 = 10_000.0;

/// Start the connection loop for this page.
pub fn spawn(chat: ChatState) {
    let (sender, receiver) = unbounded();
    chat.set_commands(sender);
    listen_for_network(chat);
    leptos::task::spawn_local(run(chat, receiver));
}

/// Forward the browser's `online`/`offline` events as commands.
fn listen_for_network(chat: ChatState) {
    let Some(window) = web_sys::window() else { return };
    for (event, command) in [("offline", Command::Offline), ("online", Command::Online)] {
        let handler = Closure::<dyn Fn()>::new(move || chat.command(command.clone()));
        let added = window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
        if added.is_ok() {
            // Listens for the page's whole life.
            handler.forget();
        }
    }
}

/// Why a session ended.
enum End {
    /// The link failed or went quiet: reconnect after a backoff.
    Lost,
    /// The socket never opened: the server may be down, or the session over.
    NotOpened,
    /// The browser is offline: wait for `online` (or the backoff, in case the event never comes).
    Offline,
    /// The page is going away.
    Closed,
    /// The server ended the session (signed out, expired): sign in again.
    SignedOut,
    /// This person left or was removed from the room: there is nothing to reconnect to.
    Removed,
}

async fn run(chat: ChatState, mut commands: UnboundedReceiver<Command>) {
    let mut delay = BACKOFF_MIN_MS;
    loop {
        if chat.name.get_untracked().is_none() {
            // Nobody signed in on this page (it redirects to sign-in): nothing to join.
            match commands.next().await {
                None => return,
                Some(_) => continue,
            }
        }
        let connected_at = now();
        let end = session(chat, &mut commands).await;
        if now() - connected_at > DEAD_AFTER_MS {
            // It was up for a good while: this is a fresh failure, start the backoff over.
            delay = BACKOFF_MIN_MS;
        }
        match end {
            End::Closed => return,
            End::SignedOut => {
                go_to("/signin");
                return;
            }
            End::Removed => {
                go_to("/rooms");
                return;
            }
            End::NotOpened => {
                // The server answers an upgrade without a live session with 401, which a
                // page cannot see; ask plainly whether we are still signed in.
                if matches!(crate::api::call(crate::api::MyProfile {}).await, Ok(None)) {
                    go_to("/signin");
                    return;
                }
                chat.status.set(ConnStatus::Reconnecting);
            }
            End::Lost => chat.status.set(ConnStatus::Reconnecting),
            End::Offline => chat.status.set(ConnStatus::Offline),
        }
        // Full jitter in the upper half: spread reconnects after a server restart.
        let wait = delay * (0.5 + js_sys::Math::random() / 2.0);
        delay = (delay * 2.0).min(BACKOFF_MAX_MS);
        let mut timer = TimeoutFuture::new(wait as u32).fuse();
        loop {
            futures::select! {
                _ = timer => break,
                command = commands.next() => match command {
                    None => return,
                    Some(Command::Online) => {
                        delay = BACKOFF_MIN_MS;
                        break;
                    }
                    Some(Command::Change(_)) => offline_notice(chat),
                    // Outbox changes are sent on connect.
                    Some(_) => {}
                },
            }
        }
        if chat.status.get_untracked() == ConnStatus::Offline {
            chat.status.set(ConnStatus::Reconnecting);
        }
    }
}

/// One connection, from opening the socket until it fails.
async fn session(chat: ChatState, commands: &mut UnboundedReceiver<Command>) -> End {
    let Some(url) = socket_url() else { return End::Closed };
    let Ok(socket) = WebSocket::open(&url) else { return End::NotOpened };
    let (mut tx, rx) = socket.split();
    let mut rx = rx.fuse();

    let last_seq = chat.timeline.with_untracked(|t| t.last_seq());
    let hello = ClientFrame::Hello { room: chat.room.get_value(), after: Some(ResumeFrom::Seq(last_seq)) };
    // The send waits for the socket to open; a refused connection shows up on the read side.
    {
        let mut opened = tx.send(Message::Text(encode(&hello))).fuse();
        let mut failed = rx.next().fuse();
        let mut timeout = TimeoutFuture::new(CONNECT_TIMEOUT_MS).fuse();
        futures::select! {
            sent = opened => if sent.is_err() { return End::NotOpened },
            _ = failed => return End::NotOpened,
            _ = timeout => return End::NotOpened,
        }
    }

    let mut heard = now();
    let mut heartbeat = gloo_timers::future::IntervalStream::new(HEARTBEAT_MS).fuse();
    loop {
        futures::select! {
            incoming = rx.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    heard = now();
                    match protocol::decode_server(&text) {
                        Ok(frame) => {
                            if apply(chat, frame) && send_due(chat, &mut tx).await.is_err() {
                                return End::Lost;
                            }
                        }
                        Err(error) => leptos::logging::warn!("unreadable frame from server: {error}"),
                    }
                }
                Some(Ok(Message::Bytes(_))) => heard = now(),
                Some(Err(WebSocketError::ConnectionClose(close))) => return match close.code {
                    protocol::CLOSE_SIGNED_OUT => End::SignedOut,
                    protocol::CLOSE_REMOVED => End::Removed,
                    _ => End::Lost,
                },
                Some(Err(_)) | None => return End::Lost,
            },
            command = commands.next() => match command {
                None => return End::Closed,
                Some(Command::Flush) | Some(Command::Online) => {
                    if chat.status.get_untracked() == ConnStatus::Connected && send_due(chat, &mut tx).await.is_err() {
                        return End::Lost;
                    }
                }
                Some(Command::Offline) => return End::Offline,
                Some(Command::Change(frame)) => {
                    if chat.status.get_untracked() != ConnStatus::Connected {
                        offline_notice(chat);
                    } else if tx.send(Message::Text(encode(&frame))).await.is_err() {
                        return End::Lost;
                    }
                }
                Some(Command::Typing) => {
                    if chat.status.get_untracked() == ConnStatus::Connected {
                        let typing = ClientFrame::Typing { room: chat.room.get_value() };
                        if tx.send(Message::Text(encode(&typing))).await.is_err() {
                            return End::Lost;
                        }
                    }
                }
            },
            _ = heartbeat.next() => {
                if now() - heard > DEAD_AFTER_MS {
                    return End::Lost;
                }
                if tx.send(Message::Text(encode(&ClientFrame::Ping))).await.is_err() {
                    return End::Lost;
                }
                if chat.status.get_untracked() == ConnStatus::Connected && send_due(chat, &mut tx).await.is_err() {
                    return End::Lost;
                }
            }
        }
    }
}

/// Apply one server frame to the page. Returns true when the outbox should be flushed
/// (the connection just became ready).
fn apply(chat: ChatState, frame: ServerFrame) -> bool {
    match frame {
        ServerFrame::Welcome { online, online_count, .. } => {
            chat.online.set(online_count.max(online.len()));
            chat.status.set(ConnStatus::Connected);
            chat.outbox.update(|o| o.reconnected());
            return true;
        }
        ServerFrame::Message(message) => {
            // Someone this person blocks: shown collapsed, counted and announced nowhere.
            let heard = message.username != chat.username.get_value() && !blocks(chat, &message.username);
            if notify::page_hidden() && heard {
                chat.unseen_hidden.update(|n| *n += 1);
                let here = chat.room.get_value();
                let room = chat.rooms.with_untracked(|rooms| rooms.iter().find(|r| r.name == here).cloned());
                if let Some(room) = room {
                    notify::maybe_notify(
                        chat,
                        notify::Heard {
                            room: &room.name,
                            title: &room.title,
                            seq: message.seq,
                            author: &message.author,
                            username: &message.username,
                            mentions: &message.mentions,
                            excerpt: &crate::model::Quote::excerpt_of(&message.body),
                            level: room.notify,
                            thread_root: message.thread_root,
                            thread_only: !message.in_timeline(),
                            followed: false,
                        },
                    );
                }
            }
            let client_id = message.client_id.clone();
            chat.typists.update(|t| t.sent(&message.username));
            let open = chat.thread.with_untracked(|t| t.thread_root());
            let seen = message.thread_root.filter(|root| Some(*root) == open && !notify::page_hidden());
            let seq = message.seq;
            chat.each_timeline(|t| {
                t.push(message.clone());
            });
            // A reply in the open thread, in view: seen.
            if let Some(root) = seen {
                leptos::task::spawn_local(read_thread(chat, root, seq));
            }
            chat.outbox.update(|o| {
                o.delivered(&client_id);
                o.passed(seq);
            });
        }
        ServerFrame::Messages { messages, resync, .. } => {
            let ids: Vec<String> = messages.iter().map(|m| m.client_id.clone()).collect();
            let newest = messages.iter().map(|m| m.seq).max();
            if resync {
                // Pins made while the client was too far behind to replay are not in the page,
                // nor the replies of an open thread.
                leptos::task::spawn_local(refresh_pins(chat));
                leptos::task::spawn_local(refresh_thread(chat));
                leptos::task::spawn_local(refresh_receipts(chat));
            }
            chat.timeline.update(|t| {
                if resync {
                    t.resync(messages.clone());
                } else {
                    for message in messages.iter().cloned() {
                        t.push(message);
                    }
                }
            });
            if !resync {
                chat.thread.update(|t| {
                    for message in messages {
                        t.push(message);
                    }
                });
            }
            chat.outbox.update(|o| {
                for id in &ids {
                    o.delivered(id);
                }
                if let Some(newest) = newest {
                    o.passed(newest);
                }
            });
        }
        ServerFrame::Edited { seq, target, body, html, edited_at, mentions, .. } => {
            let edit = Edit { body, html, edited_at, mentions };
            chat.each_timeline(|t| {
                t.edited(seq, target, edit.clone());
            });
        }
        ServerFrame::Reactions { seq, target, reactions, .. } => {
            chat.each_timeline(|t| {
                t.reacted(seq, target, reactions.clone());
            });
        }
        ServerFrame::Deleted { seq, target, .. } => {
            chat.each_timeline(|t| {
                t.deleted(seq, target);
            });
            chat.outbox.update(|o| o.passed(seq));
            chat.pins.update(|pins| pins.retain(|pin| pin.message.seq != target));
        }
        ServerFrame::Pinned { seq, target, pin, .. } => {
            let mut news = false;
            chat.timeline.update(|t| news = t.pinned(seq, target, pin.is_some()));
            chat.thread.update(|t| {
                t.pinned(seq, target, pin.is_some());
            });
            if news {
                chat.pins.update(|pins| crate::chat::follow_pin(pins, target, pin));
            }
        }
        ServerFrame::Preview { seq, target, preview, .. } => {
            chat.each_timeline(|t| {
                t.previewed(seq, target, preview.clone());
            });
        }
        ServerFrame::Read { seq, receipt, .. } => {
            // Only the resume point moves: nothing on the list is redrawn for it.
            let mut news = false;
            chat.timeline.update_untracked(|t| news = t.noted(seq));
            if news {
                chat.receipts.update(|receipts| {
                    if let Some(receipts) = receipts {
                        crate::chat::follow_receipt(receipts, receipt);
                    }
                });
            }
        }
        ServerFrame::Ack { client_id, .. } => {
            chat.outbox.update(|o| {
                o.delivered(&client_id);
            });
        }
        ServerFrame::Presence { event, name, online, .. } => {
            chat.online.set(online);
            let verb = match event {
                PresenceEvent::Joined => "joined",
                PresenceEvent::Left => "left",
                PresenceEvent::Count => return false,
            };
            chat.timeline.update(|t| t.notice(format!("{name} {verb}")));
        }
        ServerFrame::Error { code, message, client_id } => match (code, client_id) {
            // Temporary: the resend after the ack timeout will go through.
            (ErrorCode::RateLimited | ErrorCode::StoreUnavailable | ErrorCode::NotJoined, Some(id)) => {
                chat.outbox.update(|o| o.later(&id));
            }
            (_, Some(id)) if chat.outbox.with_untracked(|o| o.items.iter().any(|p| p.client_id == id)) => {
                chat.outbox.update(|o| o.failed(&id, message));
            }
            // An edit or deletion that was refused: say why, where the person is looking.
            (_, Some(_)) => chat.timeline.update(|t| t.notice(format!("Not changed: {message}"))),
            (_, None) => leptos::logging::warn!("server refused a frame: {message}"),
        },
        ServerFrame::Pong {} => {}
        ServerFrame::Members { members, .. } => chat.members.set(members),
        ServerFrame::Topic { topic, .. } => chat.topic.set(topic),
        // A slash command was done: nothing to send; what it did, for this person only.
        ServerFrame::Reply { client_id, text, left, .. } => {
            chat.outbox.update(|o| {
                o.delivered(&client_id);
            });
            chat.timeline.update(|t| t.notice(text));
            if left {
                go_to("/rooms");
            }
        }
        ServerFrame::Person { username, online } => {
            chat.rooms.update(|rooms| {
                for room in rooms.iter_mut().filter(|r| r.peer.as_deref() == Some(username.as_str())) {
                    room.online = Some(online);
                }
            });
            chat.presence.update(|people| {
                people.insert(username, online);
            });
        }
        ServerFrame::Activity {
            room,
            seq,
            author,
            username,
            mentions,
            excerpt,
            thread_root,
            also_in_room,
        } if !blocks(chat, &username) => {
            // A reply only in a thread is no news of the room (its mentions still count).
            let room_news = i64::from(thread_root.is_none() || also_in_room);
            let mentioned = i64::from(chat.username.with_value(|me| mentions.contains(me)));
            let mut entry = None;
            chat.rooms.update(|rooms| {
                if !rooms.iter().any(|r| r.name == room) {
                    // A room you were just added to, or a conversation someone just started.
                    let kind = if room.starts_with("dm-") { RoomKind::Direct } else { RoomKind::Private };
                    rooms.push(RoomSummary {
                        title: if kind == RoomKind::Direct { author.clone() } else { format!("#{room}") },
                        kind,
                        name: room.clone(),
                        unread: 0,
                        mentions: 0,
                        notify: crate::notifications::NotifyLevel::default_for(kind),
                        online: None,
                        peer: None,
                    });
                }
                if let Some(found) = rooms.iter_mut().find(|r| r.name == room) {
                    found.unread += room_news;
                    found.mentions += mentioned;
                    entry = Some(found.clone());
                }
            });
            if let Some(entry) = entry {
                notify::maybe_notify(
                    chat,
                    notify::Heard {
                        room: &room,
                        title: &entry.title,
                        seq,
                        author: &author,
                        username: &username,
                        mentions: &mentions,
                        excerpt: &excerpt,
                        level: entry.notify,
                        thread_root,
                        thread_only: room_news == 0,
                        followed: false,
                    },
                );
            }
        }
        ServerFrame::ThreadReply { room, root, seq, author, username, excerpt }
            if !blocks(chat, &username) =>
        {
            let here = room == chat.room.get_value()
                && Some(root) == chat.thread.with_untracked(|t| t.thread_root());
            if !here {
                chat.unread_threads.update(|unread| {
                    if !unread.iter().any(|(r, s)| *r == room && *s == root) {
                        unread.push((room.clone(), root));
                    }
                });
            }
            let entry = chat.rooms.with_untracked(|rooms| rooms.iter().find(|r| r.name == room).cloned());
            if let Some(entry) = entry
                && (!here || notify::page_hidden())
            {
                notify::maybe_notify(
                    chat,
                    notify::Heard {
                        room: &room,
                        title: &entry.title,
                        seq,
                        author: &author,
                        username: &username,
                        mentions: &[],
                        excerpt: &excerpt,
                        level: entry.notify,
                        thread_root: Some(root),
                        thread_only: true,
                        followed: true,
                    },
                );
            }
        }
        // From someone this person blocks.
        ServerFrame::Activity { .. } | ServerFrame::ThreadReply { .. } => {}
        ServerFrame::Typing { username, name, .. } => {
            if username != chat.username.get_value() && !blocks(chat, &username) {
                chat.typists.update(|t| t.typed(&username, &name, now()));
            }
        }
    }
    false
}

/// Whether this person blocks `username`: news of theirs from other rooms is dropped.
fn blocks(chat: ChatState, username: &str) -> bool {
    chat.blocked.with_value(|blocked| blocked.iter().any(|name| name == username))
}

/// Read the room's pins afresh (after a resync); on failure the list stays as it was.
async fn refresh_pins(chat: ChatState) {
    match crate::api::call(crate::api::RoomPins { room: chat.room.get_value() }).await {
        Ok(pins) => chat.pins.set(pins),
        Err(error) => leptos::logging::warn!("cannot read the room's pins: {error}"),
    }
}

/// Read positions afresh, after a resync (receipts are not replayed with the latest page).
async fn refresh_receipts(chat: ChatState) {
    if chat.receipts.with_untracked(Option::is_none) {
        return;
    }
    match crate::api::call(crate::api::RoomReceipts { room: chat.room.get_value() }).await {
        Ok(receipts) => chat.receipts.set(receipts),
        Err(error) => leptos::logging::warn!("cannot read the room's receipts: {error}"),
    }
}

/// Tell the server the open thread has been seen up to reply `seq`.
async fn read_thread(chat: ChatState, root: Seq, seq: Seq) {
    if let Err(error) =
        crate::api::call(crate::api::ReadThread { room: chat.room.get_value(), root, seq }).await
    {
        leptos::logging::warn!("cannot mark the thread read: {error}");
    }
}

/// The open thread read afresh, after a resync (its replies were not replayed).
async fn refresh_thread(chat: ChatState) {
    let Some(root) = chat.thread.with_untracked(|t| t.thread_root()) else { return };
    match crate::api::call(crate::api::LoadThread { room: chat.room.get_value(), root, before: None }).await {
        Ok(page) => chat.thread.set(crate::chat::Timeline::thread(page)),
        Err(error) => leptos::logging::warn!("cannot read the thread: {error}"),
    }
}

/// An edit or deletion asked for while disconnected: not made, and the person is told.
fn offline_notice(chat: ChatState) {
    chat.timeline.update(|t| t.notice("Not changed: you are offline. Try again once connected.".to_owned()));
}

/// Send what the outbox says is due, in order.
async fn send_due<S>(chat: ChatState, tx: &mut S) -> Result<(), ()>
where
    S: futures::Sink<Message> + Unpin,
{
    let mut due = Vec::new();
    chat.outbox.update(|o| due = o.due(now()));
    for pending in due {
        let frame = ClientFrame::Send {
            room: pending.room,
            client_id: pending.client_id,
            body: pending.body,
            attachments: pending.attachments.into_iter().map(|a| a.id).collect(),
            reply_to: pending.reply_to.map(|quote| quote.seq),
            thread: pending.thread,
            also_to_room: pending.also_to_room,
        };
        tx.send(Message::Text(encode(&frame))).await.map_err(|_| ())?;
    }
    Ok(())
}

/// `ws://host/ws` or `wss://host/ws`, following the page's own scheme and host.
fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}/ws", location.host().ok()?))
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Leave the page for `path` (a full load: the server decides what it shows).
fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
}
