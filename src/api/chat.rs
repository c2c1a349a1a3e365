//! A room: its first paint, older pages, posting without a WebSocket, and read positions.
//!
//! Each call names its room and is checked with `Store::room_for`: a room the caller may not
//! enter answers exactly like one that does not exist.

use crate::ids::{RoomName, Seq, Username};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::model::{Draft, HistoryPage, Pin, Profile, ThreadPage};
use crate::rooms::{RoomKind, RoomSummary};

/// Most messages one call loads to reach a message far back (a search result, a reply's
/// original): a jump further back than this loads in several steps.
pub const HISTORY_JUMP_MAX: usize = 1_000;
/// Messages shown before the one jumped to, for context.
pub const JUMP_CONTEXT: i64 = 10;

/// How many messages before `before` to load so that `target` and its context are in.
#[cfg(feature = "ssr")]
fn jump_span(before: Seq, target: Seq) -> usize {
    use crate::protocol::HISTORY_PAGE;
    usize::try_from((before - target).saturating_add(JUMP_CONTEXT))
        .unwrap_or(HISTORY_JUMP_MAX)
        .clamp(HISTORY_PAGE, HISTORY_JUMP_MAX)
}

/// Everything the chat page needs for its first paint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatPage {
    pub room: RoomName,
    /// The signed-in person; `None` sends the page to sign-in (and then holds nothing else).
    pub me: Option<Profile>,
    /// The room as this person may see it; `None`: not found (or not theirs to know).
    pub info: Option<RoomInfo>,
    /// The latest [`HISTORY_PAGE`](crate::protocol::HISTORY_PAGE) messages, and back to `at`
    /// (within [`HISTORY_JUMP_MAX`]) when the page opens at a message.
    pub history: HistoryPage,
    /// The message the page opens at (`?at=<seq>`: a search result), instead of the newest.
    pub at: Option<Seq>,
    /// Until when the person paused notifications, if they did.
    pub quiet_until: Option<i64>,
    /// The person's rooms and conversations, for the sidebar.
    pub rooms: Vec<RoomSummary>,
    /// A fresh `client_id` for the no-JavaScript form, so a re-posted form is stored once.
    pub form_client_id: String,
    /// The largest file the server takes (`--max-upload-bytes`): larger fails before sending.
    pub upload_limit: u64,
    /// How far this person had read the room when the page was made (members only): the
    /// "New messages" line goes before the first message after it.
    pub last_read: Option<Seq>,
    /// The room's messages this person saved (`seq`s), to mark them.
    pub saved: Vec<Seq>,
    /// What this person typed here and has not sent, on any device.
    pub draft: Option<Draft>,
    /// The thread the page opens beside the room (`/r/<room>/t/<root>`), with its latest
    /// replies; `None` when none was asked for, or there is no such thread.
    pub thread: Option<ThreadPage>,
    /// Whether this person follows that thread.
    #[serde(default)]
    pub following: bool,
    /// What this person typed in that thread and has not sent.
    #[serde(default)]
    pub thread_draft: Option<Draft>,
    /// The threads this person follows that have replies they have not seen, as
    /// `(room, root)`: the sidebar counts them.
    #[serde(default)]
    pub unread_threads: Vec<(RoomName, Seq)>,
    /// How far each other member has read the room ("Seen by"); `None` where this person is
    /// not shown read receipts.
    #[serde(default)]
    pub receipts: Option<Vec<crate::model::Receipt>>,
    /// The people this person blocks, by username: their messages show collapsed.
    #[serde(default)]
    pub blocked: Vec<Username>,
}

pub use crate::rooms::Member;

/// A room as its members see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub kind: RoomKind,
    /// `#name`, or the other person's display name in a conversation.
    pub title: String,
    /// Members, by username, at most [`MEMBER_LIST_MAX`](crate::rooms::MEMBER_LIST_MAX).
    pub members: Vec<Member>,
    /// Whether this person created it (and so may invite, if private).
    pub mine: bool,
    /// Whether this person moderates it (creator, promoted, or a server administrator): they
    /// delete anyone's message and remove people, and see the moderation log.
    #[serde(default)]
    pub moderator: bool,
    /// Whether this person promotes and demotes moderators (the creator, or an administrator).
    #[serde(default)]
    pub promotes: bool,
    /// What of the room notifies this person.
    pub notify: crate::notifications::NotifyLevel,
    /// Whether this person is a member; if not, it is a public room they read before joining.
    pub joined: bool,
    /// The room's pinned messages, the most recently pinned first.
    pub pins: Vec<Pin>,
    /// Whether this person pins and unpins (a moderator; either person in a conversation).
    pub may_pin: bool,
    /// The room's incoming webhooks (its moderators manage them on its integrations page).
    #[serde(default)]
    pub hooks: Vec<crate::model::HookSummary>,
    /// The room's topic, shown under its name (empty: none).
    #[serde(default)]
    pub topic: String,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::api_error::ApiError;

    use crate::server::AppState;
    use crate::server::accounts::users::User;
    use crate::server::rooms::membership::RoomAccess;

    /// The room if `user` may enter it; otherwise the same error as for no such room.
    pub async fn room(state: &AppState, user: &User, name: &str) -> Result<RoomAccess, ApiError> {
        state
            .store
            .room_for(user.id, name)
            .await
            .map_err(super::super::ssr::internal)?
            .ok_or_else(ApiError::not_found)
    }
}

/// The first paint of a room's page.
#[server(endpoint = "load_chat")]
pub async fn load_chat(room: RoomName, at: Option<Seq>, thread: Option<Seq>) -> Result<ChatPage, ApiError> {
    use crate::protocol::HISTORY_PAGE;
    use crate::server::rooms::membership::RoomError;
    use crate::server::rooms::moderation::Power;
    let state = super::ssr::state()?;
    let mut page = ChatPage {
        room: room.clone(),
        me: None,
        info: None,
        history: HistoryPage::default(),
        at,
        quiet_until: None,
        rooms: Vec::new(),
        form_client_id: String::new(),
        upload_limit: state.config.max_upload_bytes,
        last_read: None,
        saved: Vec::new(),
        draft: None,
        thread: None,
        following: false,
        thread_draft: None,
        unread_threads: Vec::new(),
        receipts: None,
        blocked: Vec::new(),
    };
    let Some(user) = super::ssr::user(&state).await? else { return Ok(page) };
    page.me = Some(user.profile());
    let internal = |e: RoomError| super::ssr::internal(e);
    page.quiet_until = state.store.quiet_until(user.id).await.map_err(internal)?;
    let access = state.store.room_for(user.id, &room).await.map_err(internal)?;
    let hub = state.hub.clone();
    page.rooms = state.store.my_rooms(user.id, |id| hub.is_online(id)).await.map_err(internal)?;
    let Some(access) = access else {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::NOT_FOUND);
        }
        return Ok(page);
    };
    let members =
        crate::server::rooms::room_members::list(&state.store, &state.hub, access.id, access.created_by)
            .await
            .map_err(internal)?;
    let power = super::moderation::ssr::power(&state, &user, &access).await?;
    let title = page
        .rooms
        .iter()
        .find(|r| r.name == access.name)
        .map_or_else(|| format!("#{}", access.name), |r| r.title.clone());
    page.info = Some(RoomInfo {
        kind: access.kind,
        title,
        members,
        mine: access.created_by == Some(user.id),
        moderator: power >= Power::Moderator,
        promotes: power >= Power::Creator,
        notify: page
            .rooms
            .iter()
            .find(|r| r.name == access.name)
            .map_or_else(|| crate::notifications::NotifyLevel::default_for(access.kind), |r| r.notify),
        joined: access.member,
        pins: state.store.pins(access.id).await.map_err(super::ssr::internal)?,
        may_pin: access.member && (power >= Power::Moderator || access.kind == RoomKind::Direct),
        hooks: state.store.hooks_in(access.id).await.map_err(super::ssr::internal)?,
        topic: state.store.topic(access.id).await.map_err(super::ssr::internal)?,
    });
    page.history =
        state.store.page(access.id, &access.name, None, HISTORY_PAGE).await.map_err(super::ssr::internal)?;
    let first = page.history.messages.first().map(|m| m.seq);
    if let (Some(at), Some(first), true) = (at, first, page.history.has_older)
        && at < first
    {
        let older = state
            .store
            .page(access.id, &access.name, Some(first), jump_span(first, at))
            .await
            .map_err(super::ssr::internal)?;
        page.history.has_older = older.has_older;
        page.history.messages.splice(0..0, older.messages);
    }
    page.form_client_id = uuid::Uuid::new_v4().simple().to_string();
    page.last_read = state.store.read_position(access.id, user.id).await.map_err(internal)?;
    page.saved = state.store.saved_in_room(user.id, access.id).await.map_err(super::ssr::internal)?;
    page.draft = state.store.draft(user.id, access.id, None).await.map_err(super::ssr::internal)?;
    page.receipts = state.store.receipts(access.id, user.id).await.map_err(super::ssr::unavailable)?;
    let blocked = state.store.blocked_by(user.id).await.map_err(super::ssr::unavailable)?;
    page.blocked = blocked.into_iter().map(|person| person.username).collect();
    if let Some(root) = thread {
        page.thread = state
            .store
            .thread(access.id, &access.name, root, None, HISTORY_PAGE)
            .await
            .map_err(super::ssr::internal)?;
        match &page.thread {
            Some(thread) => {
                // Opened: its replies are seen, up to the latest.
                let latest = thread.replies.messages.last().map_or(root, |m| m.seq);
                let store = &state.store;
                store.read_thread(user.id, access.id, root, latest).await.map_err(super::ssr::internal)?;
                page.following =
                    store.following(user.id, access.id, root).await.map_err(super::ssr::internal)?;
                page.thread_draft =
                    store.draft(user.id, access.id, Some(root)).await.map_err(super::ssr::internal)?;
            }
            None => {
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(axum::http::StatusCode::NOT_FOUND);
                }
            }
        }
    }
    page.unread_threads = state.store.unread_threads(user.id).await.map_err(super::ssr::internal)?;
    Ok(page)
}

/// Thread `root` of the room: the root and its replies before `before` (the latest when
/// `None`), at most [`HISTORY_PAGE`](crate::protocol::HISTORY_PAGE), oldest first. A thread
/// the caller may not read answers like one that does not exist (404).
#[server(endpoint = "load_thread")]
pub async fn load_thread(room: RoomName, root: Seq, before: Option<Seq>) -> Result<ThreadPage, ApiError> {
    use crate::protocol::HISTORY_PAGE;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::room(&state, &user, &room).await?;
    state
        .store
        .thread(access.id, &access.name, root, before, HISTORY_PAGE)
        .await
        .map_err(super::ssr::internal)?
        .ok_or_else(ApiError::not_found)
}

/// The page of messages before `before` (a `seq`), for scrolling up; with `down_to`, enough
/// of them to reach that message (at most [`HISTORY_JUMP_MAX`]).
#[server(endpoint = "load_older")]
pub async fn load_older(room: RoomName, before: Seq, down_to: Option<Seq>) -> Result<HistoryPage, ApiError> {
    use crate::protocol::HISTORY_PAGE;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::room(&state, &user, &room).await?;
    let limit = down_to.map_or(HISTORY_PAGE, |target| jump_span(before, target));
    state.store.page(access.id, &access.name, Some(before), limit).await.map_err(super::ssr::internal)
}

/// Post a message without a WebSocket (scripts and bots; the composer's form without
/// JavaScript posts to `FORM_POST_PATH`, which can carry a file). It goes through the same
/// sequencer as every other message, so open pages see it live. With `thread` (a message of
/// the room), it is a reply in that message's thread; `also_to_room` shows it in the room too.
#[server(endpoint = "post_message")]
pub async fn post_message(
    room: RoomName,
    body: String,
    client_id: String,
    #[server(default)] thread: Option<Seq>,
    #[server(default)] also_to_room: bool,
) -> Result<Seq, ApiError> {
    use crate::server::messages::history::Placement;
    use crate::server::messages::posting::{PostError, post};
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let placement = Placement { reply_to: None, thread, also_to_room: also_to_room && thread.is_some() };
    post(&state, &user, &room, &body, &client_id, Vec::new(), placement).await.map_err(PostError::api_error)
}

/// The room's members whose username or display name starts with `prefix`: the composer's
/// `@` completions. Members only, like everything else about a room.
#[server(endpoint = "find_members")]
pub async fn find_members(room: RoomName, prefix: String) -> Result<Vec<Member>, ApiError> {
    use crate::emoji::COMPLETIONS_MAX;
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::room(&state, &user, &room).await?;
    if !access.member || prefix.chars().count() > crate::accounts::MAX_USERNAME_CHARS {
        return Ok(Vec::new());
    }
    let found = state
        .store
        .members_matching(access.id, &prefix, COMPLETIONS_MAX)
        .await
        .map_err(super::ssr::internal)?;
    Ok(found
        .into_iter()
        .filter(|member| member.id != user.id)
        .map(|member| Member {
            online: state.hub.is_online(member.id),
            moderator: false,
            username: member.username,
            name: member.name,
            bot: member.bot,
        })
        .collect())
}

/// The room's pinned messages, the most recently pinned first: what a page shows after a
/// resync, and what a bot reads. Only for those who may read the room.
#[server(endpoint = "room_pins")]
pub async fn room_pins(room: RoomName) -> Result<Vec<Pin>, ApiError> {
    let state = super::ssr::state()?;
    let user = super::ssr::signed_in(&state).await?;
    let access = ssr::room(&state, &user, &room).await?;
    state.store.pins(access.id).await.map_err(super::ssr::unavailable)
}
