//! The chat's reactive state: the signals components render and the connection updates.
//!
//! One `ChatState` per page, provided through context. It is `Copy` (signals are arena
//! handles), so event handlers and the connection task capture it freely.

use crate::ids::{RoomName, Seq, Username};
use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;

use crate::api::ChatPage;
use crate::chat::{Outbox, Timeline};
use crate::rooms::RoomSummary;
use crate::typing::Typists;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    Connecting,
    Connected,
    Reconnecting,
    /// The browser says it has no network; the client waits for it to come back.
    Offline,
}

impl ConnStatus {
    pub fn label(self) -> &'static str {
        match self {
            ConnStatus::Connecting => "connecting…",
            ConnStatus::Connected => "connected",
            ConnStatus::Reconnecting => "reconnecting…",
            ConnStatus::Offline => "offline",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ConnStatus::Connecting => "connecting",
            ConnStatus::Connected => "connected",
            ConnStatus::Reconnecting => "reconnecting",
            ConnStatus::Offline => "offline",
        }
    }
}

/// What the page asks of the connection task.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Something was added to or retried in the outbox: send what is due.
    Flush,
    /// The browser lost its network: drop the socket now rather than wait for a timeout.
    Offline,
    /// The browser has a network again: reconnect without waiting out the backoff.
    Online,
    /// The person is typing (the composer sends this at most every few seconds).
    Typing,
    /// Send this change (`edit`, `delete`, `react`, `pin`) now (not kept for later: a change made offline is refused).
    Change(crate::protocol::ClientFrame),
}

#[derive(Clone, Copy)]
pub struct ChatState {
    pub room: StoredValue<RoomName>,
    pub timeline: RwSignal<Timeline>,
    /// The thread open beside the room (`/r/<room>/t/<root>`); an empty timeline of the room
    /// when none is.
    pub thread: RwSignal<Timeline>,
    /// Whether this person follows that thread.
    pub following: RwSignal<bool>,
    /// What this person had typed in that thread when the page was made (its composer starts
    /// with it).
    pub thread_draft: StoredValue<String>,
    /// Followed threads with replies this person has not seen, as `(room, root)`: the
    /// sidebar counts them; `thread_reply` frames add to them.
    pub unread_threads: RwSignal<Vec<(RoomName, Seq)>>,
    pub outbox: RwSignal<Outbox>,
    /// The signed-in person's display name; `None` until there is one (then nothing is sent).
    pub name: RwSignal<Option<String>>,
    /// The signed-in person's username (to leave out their own typing from other tabs).
    pub username: StoredValue<Username>,
    /// Distinct names online in the room.
    pub online: RwSignal<usize>,
    /// Who else is typing in the room.
    pub typists: RwSignal<Typists>,
    /// The person's rooms and conversations with unread counts (the sidebar); news from
    /// other rooms (`activity`) raises the counts live.
    pub rooms: RwSignal<Vec<RoomSummary>>,
    /// Who came online or went offline since the page was rendered, by username.
    pub presence: RwSignal<std::collections::HashMap<Username, bool>>,
    pub status: RwSignal<ConnStatus>,
    /// The message the next one answers, while the person is replying.
    pub replying: RwSignal<Option<crate::model::Quote>>,
    /// The text of the person's draft here when the page was made (the composer starts with
    /// it; `replying` starts with its reply).
    pub draft: StoredValue<String>,
    /// The first message from someone else after the person's read position when the page was
    /// made: where the "New messages" line goes. Fixed for the page's life.
    pub first_unread: StoredValue<Option<Seq>>,
    /// The message the page opened at (a search result), shown instead of the newest.
    pub target: StoredValue<Option<Seq>>,
    /// Until when the person paused notifications ("do not disturb"), if they did.
    pub quiet_until: StoredValue<Option<i64>>,
    /// Messages in this room that arrived while the tab was hidden: the title counts them.
    pub unseen_hidden: RwSignal<i64>,
    /// Whether this person moderates the room: they may delete anyone's message.
    pub moderator: StoredValue<bool>,
    /// The room's member list (at most `MEMBER_LIST_MAX`): as the page was made, then as the
    /// `members` frames say.
    pub members: RwSignal<Vec<crate::rooms::Member>>,
    /// The room's pinned messages, the most recently pinned first: as the page was made, then
    /// as `pinned` frames say.
    pub pins: RwSignal<Vec<crate::model::Pin>>,
    /// The room's topic: as the page was made, then as `topic` frames say.
    pub topic: RwSignal<String>,
    /// Whether this person pins and unpins in the room.
    pub may_pin: StoredValue<bool>,
    /// The room's messages this person saved (`seq`s).
    pub saved: RwSignal<Vec<Seq>>,
    /// How far each other member has read the room ("Seen by"): as the page was made, then as
    /// `read` frames say; `None` where this person is not shown read receipts.
    pub receipts: RwSignal<Option<Vec<crate::model::Receipt>>>,
    /// The message whose actions a tap showed, on a touch screen (`components::message_touch`).
    pub selected: RwSignal<Option<Seq>>,
    /// Minutes east of UTC for showing times: 0 on the server, the browser's own once hydrated.
    pub utc_offset: RwSignal<i64>,
    /// The people this person blocks, by username: their messages show collapsed, and
    /// nothing of theirs raises a count or a notification.
    pub blocked: StoredValue<Vec<Username>>,
    /// Set by the browser client once it runs; `None` on the server.
    commands: StoredValue<Option<UnboundedSender<Command>>>,
}

impl ChatState {
    pub fn new(page: ChatPage) -> Self {
        let me = page.me.as_ref().map(|me| me.username.clone()).unwrap_or_default();
        let first_unread = page.last_read.and_then(|read| {
            page.history.messages.iter().find(|m| m.seq > read && m.username != me).map(|m| m.seq)
        });
        Self {
            first_unread: StoredValue::new(first_unread),
            // With a thread open, the message to show is the thread's (`ThreadPanel`).
            target: StoredValue::new(page.at.filter(|_| page.thread.is_none())),
            quiet_until: StoredValue::new(page.quiet_until),
            unseen_hidden: RwSignal::new(0),
            room: StoredValue::new(page.room),
            timeline: RwSignal::new(Timeline::from_page(page.history)),
            thread: RwSignal::new(page.thread.map(Timeline::thread).unwrap_or_default()),
            following: RwSignal::new(page.following),
            thread_draft: StoredValue::new(page.thread_draft.map(|d| d.body).unwrap_or_default()),
            unread_threads: RwSignal::new(page.unread_threads),
            outbox: RwSignal::new(Outbox::default()),
            username: StoredValue::new(page.me.as_ref().map(|me| me.username.clone()).unwrap_or_default()),
            name: RwSignal::new(page.me.map(|me| me.display_name)),
            online: RwSignal::new(0),
            typists: RwSignal::new(Typists::default()),
            rooms: RwSignal::new(page.rooms.clone()),
            replying: RwSignal::new(page.draft.as_ref().and_then(|d| d.reply_to.clone())),
            draft: StoredValue::new(page.draft.map(|d| d.body).unwrap_or_default()),
            moderator: StoredValue::new(page.info.as_ref().is_some_and(|info| info.moderator)),
            presence: RwSignal::new(Default::default()),
            status: RwSignal::new(ConnStatus::Connecting),
            selected: RwSignal::new(None),
            members: RwSignal::new(page.info.as_ref().map(|info| info.members.clone()).unwrap_or_default()),
            pins: RwSignal::new(page.info.as_ref().map(|info| info.pins.clone()).unwrap_or_default()),
            topic: RwSignal::new(page.info.as_ref().map(|info| info.topic.clone()).unwrap_or_default()),
            may_pin: StoredValue::new(page.info.as_ref().is_some_and(|info| info.may_pin)),
            saved: RwSignal::new(page.saved.clone()),
            receipts: RwSignal::new(page.receipts.clone()),
            blocked: StoredValue::new(page.blocked.clone()),
            utc_offset: RwSignal::new(0),
            commands: StoredValue::new(None),
        }
    }

    /// Apply a frame to the room's timeline and to the open thread's.
    pub fn each_timeline(&self, mut apply: impl FnMut(&mut Timeline)) {
        self.timeline.update(&mut apply);
        if self.thread.with_untracked(|t| t.thread_root().is_some()) {
            self.thread.update(apply);
        }
    }

    pub fn set_commands(&self, sender: UnboundedSender<Command>) {
        self.commands.set_value(Some(sender));
    }

    /// Tell the connection task something; a no-op before it runs.
    pub fn command(&self, command: Command) {
        self.commands.with_value(|sender| {
            if let Some(sender) = sender {
                // The task lives as long as the page; a closed channel means the page is
                // going away, and there is nobody left to tell.
                let _page_closing = sender.unbounded_send(command);
            }
        });
    }
}
