//! The wire contract between the server and every client: the browser, bots, the load tool.
//!
//! Frames are JSON text WebSocket messages. Each carries the protocol version `v` beside its
//! `type`, so a frame read alone says which contract it follows. Server and client both
//! compile this module, so an encoding change breaks the build rather than a user's chat.
//! `docs/protocol.md` is the prose version of this file; keep the two in step.
//!
//! The limits a client can run into live here as named constants, because both sides need
//! them: the composer counts characters against [`MAX_BODY_CHARS`] before it sends.

use crate::attachments::{AttachmentId, MAX_ATTACHMENTS_PER_MESSAGE};
use crate::ids::{RoomName, Seq, Username};
use serde::{Deserialize, Deserializer, Serialize};

use crate::model::{ChatMessage, Pin, Reaction};

/// The protocol version every frame carries as `v`.
pub const PROTOCOL_VERSION: u32 = 1;
/// Longest message body, in Unicode scalar values (what a person would call characters).
pub const MAX_BODY_CHARS: usize = 4_000;
/// Longest display name, in characters, after trimming.
pub const MAX_NAME_CHARS: usize = 32;
/// Longest `client_id` a sender may attach, in bytes (ASCII only).
pub const MAX_CLIENT_ID_LEN: usize = 64;
/// Largest WebSocket message the server reads; bigger ones close the connection with 1009.
/// Roomy enough for a maximal body of 4-byte characters plus JSON escaping.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Messages in one history page: the server-rendered page and each "load older" step.
pub const HISTORY_PAGE: usize = 50;
/// Largest gap the server replays on resume; a client further behind gets a resync.
pub const RESUME_MAX: i64 = 1_000;
/// The room every connection talks in until rooms arrive.
pub const DEFAULT_ROOM: &str = "general";

/// Close code (WebSocket's "going away") for every connection when the server shuts down:
/// reconnect, to this node once it is back or to another.
pub const CLOSE_SHUTTING_DOWN: u16 = 1001;
/// Close code for a connection whose outbound queue overflowed: reconnect and resume.
pub const CLOSE_SLOW_CONSUMER: u16 = 4001;
/// Close code for a connection that answered no ping in time.
pub const CLOSE_TIMEOUT: u16 = 4002;
/// Close code for a connection whose person left, or was removed from, the room it joined:
/// do not reconnect to that room.
pub const CLOSE_REMOVED: u16 = 4003;
/// Close code for a connection whose session ended (signed out here or everywhere, or
/// expired): sign in again before reconnecting.
pub const CLOSE_SIGNED_OUT: u16 = 4004;

/// Close code for an account or address over its allowance of connections or joins (a
/// reconnect loop): reconnect after a backoff.
pub const CLOSE_TOO_MANY: u16 = 4005;
/// Close code for a connection that sent no `hello` within the server's time for it.
pub const CLOSE_NO_HELLO: u16 = 4006;
/// Most characters of a client's own text that an error message quotes back.
pub const MAX_QUOTED_CHARS: usize = 64;
/// Different emoji one message may collect as reactions.
pub const MAX_REACTION_KINDS: usize = 20;
/// Most characters of an error frame's `message`.
pub const MAX_ERROR_MESSAGE_CHARS: usize = 300;
/// Most messages pinned in one room at a time.
pub const MAX_PINS_PER_ROOM: usize = 50;
/// Most members a room may have and still keep read receipts ("seen by"); conversations
/// always do.
pub const MAX_RECEIPT_ROOM_MEMBERS: usize = 50;

/// The reason text sent with each of Banter's own close codes.
pub fn close_reason(code: u16) -> &'static str {
    match code {
        CLOSE_SHUTTING_DOWN => "server shutting down",
        CLOSE_SLOW_CONSUMER => "too far behind: reconnect and resume",
        CLOSE_TIMEOUT => "no answer to pings",
        CLOSE_REMOVED => "removed from the room",
        CLOSE_SIGNED_OUT => "signed out",
        CLOSE_TOO_MANY => "too many connections or joins: back off",
        CLOSE_NO_HELLO => "no hello in time",
        _ => "closing",
    }
}

/// A frame a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Join a room, optionally resuming after the last `seq` held. Who joins is the
    /// session's account (the connection was authenticated at the upgrade).
    Hello {
        #[serde(default = "default_room")]
        room: RoomName,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<ResumeFrom>,
    },
    /// Post a message. `client_id` is the sender's unique id for it: a resend with the same
    /// id is stored once and acknowledged with the original `seq`.
    Send {
        #[serde(default = "default_room")]
        room: RoomName,
        client_id: String,
        /// May be empty when `attachments` is not.
        #[serde(default)]
        body: String,
        /// Uploaded files to carry, by id (see `docs/protocol.md`, "Attachments").
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentId>,
        /// The `seq` of the message in this room this one answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
        /// Reply in the thread of message `thread` (a thread's root, or any reply in it):
        /// the message goes to the thread, not the room's timeline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<Seq>,
        /// With `thread`: show the reply in the room's timeline too.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        also_to_room: bool,
    },
    /// Replace the text of your message `seq`. Answered with `ack` (the change's own `seq`)
    /// and broadcast as `edited`; `client_id` makes a resend apply once.
    Edit {
        #[serde(default = "default_room")]
        room: RoomName,
        client_id: String,
        seq: Seq,
        body: String,
    },
    /// Delete message `seq`: your own, or anyone's in a room you moderate. Answered with `ack`
    /// and broadcast as `deleted`.
    Delete {
        #[serde(default = "default_room")]
        room: RoomName,
        client_id: String,
        seq: Seq,
    },
    /// React to message `seq` with `emoji`, or take that reaction back if it is there.
    /// Answered with `ack` and broadcast as `reactions`.
    React {
        #[serde(default = "default_room")]
        room: RoomName,
        client_id: String,
        seq: Seq,
        emoji: String,
    },
    /// Pin message `seq` to the room (`pinned: true`) or take its pin away: a room's
    /// moderators, and either person in a conversation. Answered with `ack` and broadcast as
    /// `pinned`.
    Pin {
        #[serde(default = "default_room")]
        room: RoomName,
        client_id: String,
        seq: Seq,
        pinned: bool,
    },
    /// Remove the link preview of message `seq`, one's own: it is shown no more, and not
    /// fetched again. Answered with `ack` and broadcast as `preview` without one.
    RemovePreview {
        #[serde(default = "default_room")]
        room: RoomName,
        client_id: String,
        seq: Seq,
    },
    /// Application-level liveness check; the server answers `pong`. Browsers cannot see
    /// WebSocket pings, so this is how a page notices a dead network.
    Ping,
    /// "I am typing in this room." Passed on to the room's other connections, never stored.
    Typing {
        #[serde(default = "default_room")]
        room: RoomName,
    },
}

/// A frame the server sends. The browser's build reads it as an externally tagged enum from
/// the same wire object (`frame_reader`), which keeps serde's buffering decoder out of the
/// bundle; everything else reads and writes it internally tagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", serde(tag = "type", rename_all = "snake_case"))]
#[cfg_attr(not(feature = "ssr"), serde(rename_all = "snake_case"))]
pub enum ServerFrame {
    /// Answer to `hello`: the connection has joined the room.
    Welcome {
        conn_id: u64,
        room: RoomName,
        /// Highest `seq` stored in the room when the client joined.
        latest_seq: Seq,
        /// Display names online now, each once: all of them up to 100, that many in a larger
        /// room.
        online: Vec<String>,
        /// How many people are online now, all of them.
        #[serde(default)]
        online_count: usize,
    },
    /// One new message, live.
    Message(ChatMessage),
    /// Message `target` now reads `body` (`html` rendered, empty when plain). `seq` is the
    /// change's own place in the room's order.
    Edited {
        room: RoomName,
        seq: Seq,
        target: Seq,
        body: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        html: String,
        edited_at: i64,
        /// Usernames the new text mentions.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mentions: Vec<Username>,
    },
    /// Message `target` was deleted: show a placeholder. `seq` is the change's own place.
    Deleted { room: RoomName, seq: Seq, target: Seq },
    /// Message `target`'s reactions are now these. `seq` is the change's own place.
    Reactions { room: RoomName, seq: Seq, target: Seq, reactions: Vec<Reaction> },
    /// Message `target` is now pinned (`pin`, with who pinned it and when) or no longer is
    /// (`pin` left out). `seq` is the change's own place.
    Pinned {
        room: RoomName,
        seq: Seq,
        target: Seq,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pin: Option<Pin>,
    },
    /// Message `target`'s link preview is now `preview` (fetched by the server), or it has
    /// none (`preview` left out: its author removed it). `seq` is the change's own place.
    Preview {
        room: RoomName,
        seq: Seq,
        target: Seq,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preview: Option<crate::model::LinkPreview>,
    },
    /// `receipt.username` has read the room up to message `receipt.seq` (the newest by
    /// someone else they have passed). `seq` is the receipt's own place. Only to members who
    /// keep receipts on, in conversations and rooms of at most [`MAX_RECEIPT_ROOM_MEMBERS`].
    Read { room: RoomName, seq: Seq, receipt: crate::model::Receipt },
    /// Several stored messages in `seq` order: a resume replay, or with `resync` set, the
    /// latest page for a client that was too far behind (it should replace what it shows).
    Messages { room: RoomName, messages: Vec<ChatMessage>, resync: bool },
    /// The sender's message is durably stored as `seq`.
    Ack { room: RoomName, client_id: String, seq: Seq },
    /// Someone came online or went offline in the room. `username` says who; `name` is what
    /// to show. `online` is the count of distinct people now.
    Presence {
        event: PresenceEvent,
        #[serde(default)]
        username: Username,
        name: String,
        online: usize,
    },
    /// Something the client sent was refused; the connection stays open.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// Answer to `ping`. (A variant with no fields rather than a unit variant: the browser
    /// reads `{"pong":{…}}`, which a unit variant would refuse.)
    Pong {},
    /// A new message in another room of yours (this connection joined a different one): for
    /// unread counts. `author` is the sender's display name, `username` their account.
    Activity {
        room: RoomName,
        seq: Seq,
        author: String,
        #[serde(default)]
        username: Username,
        /// Usernames the message mentions: yours here raises the room's mention count.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mentions: Vec<Username>,
        /// The start of its text (at most 100 characters, on one line), for a notification.
        #[serde(default)]
        excerpt: String,
        /// A reply in the thread of message `thread_root`: unless `also_in_room`, it is news
        /// of the thread, not of the room (no unread count, and it notifies only the people it
        /// mentions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread_root: Option<Seq>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        also_in_room: bool,
    },
    /// A new reply (`seq`) in thread `root` of `room`, which you follow: to every connection
    /// of yours, whatever room it joined. The room's members get the reply itself as a
    /// `message` too; this says it is news for you.
    ThreadReply {
        room: RoomName,
        root: Seq,
        seq: Seq,
        author: String,
        username: Username,
        /// The start of its text (at most 100 characters, on one line), for a notification.
        excerpt: String,
    },
    /// Someone you share a room with came online (their first connection anywhere) or went
    /// offline (their last).
    Person { username: Username, online: bool },
    /// The room's members changed (someone joined, was invited, left or was removed): the
    /// member list now, as the page shows it (at most `MEMBER_LIST_MAX`, by username).
    Members { room: RoomName, members: Vec<crate::rooms::Member> },
    /// Someone in the room is typing (`username` identifies them; `name` is what to show).
    Typing { room: RoomName, username: Username, name: String },
    /// The answer to a slash command this connection sent as `send` with `client_id`, for
    /// this person only: nothing was posted. `left`: they left the room (go elsewhere).
    Reply {
        room: RoomName,
        client_id: String,
        text: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        left: bool,
    },
    /// The room's topic changed (empty: none).
    Topic { room: RoomName, topic: String },
}

impl ServerFrame {
    /// The place in its room's order of a change to a message (`edited`, `deleted`,
    /// `reactions`, `pinned`, `read`); `None` for any other frame.
    pub fn change_seq(&self) -> Option<Seq> {
        match self {
            ServerFrame::Edited { seq, .. }
            | ServerFrame::Deleted { seq, .. }
            | ServerFrame::Reactions { seq, .. }
            | ServerFrame::Pinned { seq, .. }
            | ServerFrame::Preview { seq, .. }
            | ServerFrame::Read { seq, .. } => Some(*seq),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceEvent {
    Joined,
    Left,
    /// Only the count changed: in a room with more than 100 people online, arrivals and
    /// departures are not announced one by one (`server::realtime::hub::crowds`).
    Count,
}

/// Why the server refused a frame. Clients branch on these, so they are part of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    UnknownType,
    InvalidFrame,
    UnsupportedVersion,
    BinaryFrame,
    NotJoined,
    InvalidName,
    UnknownRoom,
    InvalidClientId,
    EmptyBody,
    BodyTooLong,
    RateLimited,
    /// `send` to a public room the person reads without having joined it.
    NotMember,
    InvalidResume,
    StoreUnavailable,
    /// More than [`MAX_ATTACHMENTS_PER_MESSAGE`] attachments.
    TooManyAttachments,
    /// An attachment id that is not this person's unsent upload (unknown, someone else's,
    /// already sent, or swept after `--upload-ttl`).
    AttachmentUnavailable,
    /// `edit` or `delete` of a message that is not in the room (or is already deleted).
    NoSuchMessage,
    /// `edit` of someone else's message, or `delete` of it without moderating the room.
    NotYours,
    /// `edit` after `--edit-window`.
    EditWindowClosed,
    /// `react` with something that is not one emoji, or past [`MAX_REACTION_KINDS`].
    InvalidReaction,
    /// `pin` by someone who does not moderate the room.
    NotModerator,
    /// `pin` past [`MAX_PINS_PER_ROOM`]: unpin one first.
    TooManyPins,
    /// A slash command that could not be done (unknown, not allowed, used wrongly): the
    /// message says why.
    CommandFailed,
    /// Anything but a deletion in a conversation that a block between its two people closed.
    ConversationClosed,
}

/// A resume position as the client sent it. Anything that is not a non-negative integer is
/// kept as `Invalid` instead of failing the whole `hello`, so the server can answer with a
/// clear error and still let the client join fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeFrom {
    Seq(Seq),
    Invalid,
}

impl Serialize for ResumeFrom {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ResumeFrom::Seq(seq) => serializer.serialize_i64(seq.0),
            ResumeFrom::Invalid => serializer.serialize_str("invalid"),
        }
    }
}

impl<'de> Deserialize<'de> for ResumeFrom {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(match value.as_i64() {
            Some(seq) if seq >= 0 => ResumeFrom::Seq(Seq(seq)),
            _ => ResumeFrom::Invalid,
        })
    }
}

fn default_room() -> RoomName {
    RoomName::from(DEFAULT_ROOM)
}

/// The JSON object on the wire: the version beside the flattened frame.
#[derive(Serialize)]
struct Envelope<F> {
    v: u32,
    #[serde(flatten)]
    frame: F,
}

/// Why a text frame could not be read as a [`ClientFrame`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    pub code: ErrorCode,
    pub message: String,
}

impl DecodeError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// Encode a frame with the current protocol version.
pub fn encode<F: Serialize>(frame: &F) -> String {
    // Serializing these types cannot fail: string keys, no maps with non-string keys.
    serde_json::to_string(&Envelope { v: PROTOCOL_VERSION, frame })
        .unwrap_or_else(|e| unreachable!("protocol frames always serialize: {e}"))
}

/// Decode a client frame, classifying the failure so the sender learns what was wrong.
pub fn decode_client(text: &str) -> Result<ClientFrame, DecodeError> {
    decode(text)
}

/// Decode a server frame (bots and tests use this; the browser has its own reader,
/// `frame_reader::decode_server`).
#[cfg(feature = "ssr")]
pub fn decode_server(text: &str) -> Result<ServerFrame, DecodeError> {
    decode(text)
}
#[cfg(not(feature = "ssr"))]
pub use crate::frame_reader::decode_server;

fn decode<F: for<'de> Deserialize<'de>>(text: &str) -> Result<F, DecodeError> {
    // Look at the version first, so a frame from a future protocol is reported as such and
    // not as whatever field it happens to lack.
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| DecodeError::new(ErrorCode::MalformedJson, format!("malformed JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(DecodeError::new(ErrorCode::InvalidFrame, "a frame must be a JSON object"));
    };
    match object.get("v").map(serde_json::Value::as_u64) {
        Some(Some(v)) if v == u64::from(PROTOCOL_VERSION) => {}
        Some(_) => {
            return Err(DecodeError::new(
                ErrorCode::UnsupportedVersion,
                format!("unsupported protocol version; this server speaks v{PROTOCOL_VERSION}"),
            ));
        }
        None => {
            return Err(DecodeError::new(
                ErrorCode::InvalidFrame,
                format!("missing field `v` (the protocol version, {PROTOCOL_VERSION})"),
            ));
        }
    }
    match object.get("type") {
        Some(serde_json::Value::String(_)) => {}
        _ => return Err(DecodeError::new(ErrorCode::InvalidFrame, "missing string field `type`")),
    }
    // The frame itself, from the checked object: `v` is just a field its variant ignores.
    // (Not through `Envelope`, whose flattening doubles the decoding code in the browser's
    // bundle for nothing: the version is already checked.)
    serde_json::from_value::<F>(value).map_err(body_error)
}

/// Why a frame whose version and type were fine did not read as a frame: a `type` no frame
/// has, or a field missing or of the wrong kind.
pub(crate) fn body_error(error: serde_json::Error) -> DecodeError {
    let message = error.to_string();
    let code =
        if message.contains("unknown variant") { ErrorCode::UnknownType } else { ErrorCode::InvalidFrame };
    DecodeError::new(code, message)
}

/// Why a message body or name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("a message cannot be empty")]
    EmptyBody,
    #[error("a message can be at most {MAX_BODY_CHARS} characters (this one has {0})")]
    BodyTooLong(usize),
    #[error("a name must be 1 to {MAX_NAME_CHARS} characters")]
    InvalidName,
    #[error("client_id must be 1 to {MAX_CLIENT_ID_LEN} ASCII letters, digits, '-' or '_'")]
    InvalidClientId,
    #[error("a message can carry at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments (this one has {0})")]
    TooManyAttachments(usize),
}

impl InputError {
    pub fn code(&self) -> ErrorCode {
        match self {
            InputError::EmptyBody => ErrorCode::EmptyBody,
            InputError::BodyTooLong(_) => ErrorCode::BodyTooLong,
            InputError::InvalidName => ErrorCode::InvalidName,
            InputError::InvalidClientId => ErrorCode::InvalidClientId,
            InputError::TooManyAttachments(_) => ErrorCode::TooManyAttachments,
        }
    }
}

/// The body as it will be stored: surrounding whitespace trimmed, then checked.
pub fn validate_body(body: &str) -> Result<&str, InputError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(InputError::EmptyBody);
    }
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(InputError::BodyTooLong(chars));
    }
    Ok(body)
}

/// A message as it will be stored: the body as [`validate_body`] says, except that a message
/// with attachments may have no text.
pub fn validate_post<'a>(body: &'a str, attachments: &[AttachmentId]) -> Result<&'a str, InputError> {
    if attachments.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(InputError::TooManyAttachments(attachments.len()));
    }
    match validate_body(body) {
        Err(InputError::EmptyBody) if !attachments.is_empty() => Ok(""),
        other => other,
    }
}

/// The display name as it will be shown: trimmed, 1 to [`MAX_NAME_CHARS`] characters, and
/// nothing invisible: no control characters (they would let a name fake a line break in the
/// list), no format characters (U+202E and the other direction overrides would let a name
/// reverse the text after it; zero-width spaces and joiners would let "alice" and "ali\u{200B}ce"
/// look alike), no line or paragraph separators.
pub fn validate_name(name: &str) -> Result<&str, InputError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || has_invisible(name) {
        return Err(InputError::InvalidName);
    }
    Ok(name)
}

/// Longest room topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 250;

/// A room's topic, trimmed: one line of at most [`MAX_TOPIC_CHARS`], nothing invisible (empty
/// clears it); `None` if it is not one.
pub fn validate_topic(topic: &str) -> Option<&str> {
    let topic = topic.trim();
    (topic.chars().count() <= MAX_TOPIC_CHARS && !has_invisible(topic)).then_some(topic)
}

/// Whether `text` has control, format or separator characters: what a name shown to others
/// may not (line breaks, direction overrides, zero-width characters).
fn has_invisible(text: &str) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    text.chars().any(|c| {
        c.is_control()
            || matches!(
                c.general_category(),
                GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
            )
    })
}

pub fn validate_client_id(client_id: &str) -> Result<&str, InputError> {
    let ok = !client_id.is_empty()
        && client_id.len() <= MAX_CLIENT_ID_LEN
        && client_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(client_id) } else { Err(InputError::InvalidClientId) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_round_trips_with_version_and_type() {
        let frame = ClientFrame::Send {
            room: "general".into(),
            client_id: "c-1".into(),
            body: "hi".into(),
            attachments: Vec::new(),
            reply_to: None,
            thread: None,
            also_to_room: false,
        };
        let text = encode(&frame);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["v"], 1);
        assert_eq!(value["type"], "send");
        assert_eq!(decode_client(&text).unwrap(), frame);
    }

    #[test]
    fn server_message_is_flat() {
        let frame = ServerFrame::Message(ChatMessage {
            ts: 1_700_000_000_000,
            ..ChatMessage::sample(7, "alice", "<b>hi</b>")
        });
        let text = encode(&frame);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["type"], "message");
        assert_eq!(value["seq"], 7);
        assert_eq!(value["body"], "<b>hi</b>");
        assert_eq!(decode_server(&text).unwrap(), frame);
    }

    #[test]
    fn hello_defaults_room_and_keeps_bad_resume() {
        let frame = decode_client(r#"{"v":1,"type":"hello"}"#).unwrap();
        assert_eq!(frame, ClientFrame::Hello { room: "general".into(), after: None });
        // A `name`, as version-1 clients before accounts sent, is ignored: the session says who.
        let frame = decode_client(r#"{"v":1,"type":"hello","name":"al"}"#).unwrap();
        assert_eq!(frame, ClientFrame::Hello { room: "general".into(), after: None });
        let frame = decode_client(r#"{"v":1,"type":"hello","name":"al","after":"x"}"#).unwrap();
        assert!(matches!(frame, ClientFrame::Hello { after: Some(ResumeFrom::Invalid), .. }));
        let frame = decode_client(r#"{"v":1,"type":"hello","name":"al","after":-3}"#).unwrap();
        assert!(matches!(frame, ClientFrame::Hello { after: Some(ResumeFrom::Invalid), .. }));
        let frame = decode_client(r#"{"v":1,"type":"hello","name":"al","after":12}"#).unwrap();
        assert!(matches!(frame, ClientFrame::Hello { after: Some(ResumeFrom::Seq(Seq(12))), .. }));
    }

    #[test]
    fn decode_errors_are_classified() {
        let code = |text: &str| decode_client(text).unwrap_err().code;
        assert_eq!(code("{not json"), ErrorCode::MalformedJson);
        assert_eq!(code("[1,2]"), ErrorCode::InvalidFrame);
        assert_eq!(code(r#"{"type":"ping"}"#), ErrorCode::InvalidFrame);
        assert_eq!(code(r#"{"v":2,"type":"ping"}"#), ErrorCode::UnsupportedVersion);
        assert_eq!(code(r#"{"v":1,"type":"shout"}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"v":1,"type":"send","body":"x"}"#), ErrorCode::InvalidFrame);
        assert_eq!(code(r#"{"v":1}"#), ErrorCode::InvalidFrame);
    }

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(validate_body("  hi \n"), Ok("hi"));
        assert_eq!(validate_body(" \t\n "), Err(InputError::EmptyBody));
        let max = "é".repeat(MAX_BODY_CHARS);
        assert_eq!(validate_body(&max), Ok(max.as_str()));
        let over = "é".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(validate_body(&over), Err(InputError::BodyTooLong(MAX_BODY_CHARS + 1)));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  alice "), Ok("alice"));
        assert_eq!(validate_name("   "), Err(InputError::InvalidName));
        assert_eq!(validate_name(&"n".repeat(MAX_NAME_CHARS)).map(str::len), Ok(MAX_NAME_CHARS));
        assert_eq!(validate_name(&"n".repeat(MAX_NAME_CHARS + 1)), Err(InputError::InvalidName));
        assert_eq!(validate_name("a\nb"), Err(InputError::InvalidName));
        for sneaky in
            ["ali\u{202E}ecil", "ali\u{200B}ce", "a\u{200D}b", "\u{2066}x", "a\u{2028}b", "\u{FEFF}bob"]
        {
            assert_eq!(validate_name(sneaky), Err(InputError::InvalidName), "{sneaky:?}");
        }
        // Letters of any script, and emoji, are names.
        assert_eq!(validate_name("Zoë 🚀 山田"), Ok("Zoë 🚀 山田"));
    }

    #[test]
    fn client_ids_are_plain_ascii() {
        assert!(validate_client_id("0f3a-b_9").is_ok());
        assert!(validate_client_id("").is_err());
        assert!(validate_client_id("has space").is_err());
        assert!(validate_client_id(&"a".repeat(MAX_CLIENT_ID_LEN + 1)).is_err());
    }

    mod arbitrary_input {
        use super::super::*;
        use proptest::prelude::*;

        /// What a decoding failure may be: the codes `docs/protocol.md` lists for it.
        const DECODE_CODES: [ErrorCode; 4] = [
            ErrorCode::MalformedJson,
            ErrorCode::InvalidFrame,
            ErrorCode::UnsupportedVersion,
            ErrorCode::UnknownType,
        ];

        /// Any JSON value, nested a few levels.
        fn json() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                any::<f64>().prop_map(serde_json::Value::from),
                ".{0,40}".prop_map(serde_json::Value::from),
            ];
            leaf.prop_recursive(3, 32, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                    prop::collection::btree_map(".{0,8}", inner, 0..6)
                        .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
                ]
            })
        }

        /// Objects that look like frames: a version, a type (known or not), arbitrary fields.
        fn frame_like() -> impl Strategy<Value = serde_json::Value> {
            let kind = prop_oneof![
                Just("hello".to_owned()),
                Just("send".to_owned()),
                Just("typing".to_owned()),
                Just("ping".to_owned()),
                ".{0,12}",
            ];
            let version = prop_oneof![Just(serde_json::json!(1)), json()];
            let fields = prop::collection::btree_map(
                prop_oneof![
                    Just("room".to_owned()),
                    Just("client_id".to_owned()),
                    Just("body".to_owned()),
                    Just("after".to_owned()),
                    ".{0,8}"
                ],
                json(),
                0..5,
            );
            (version, kind, fields).prop_map(|(v, kind, fields)| {
                let mut object: serde_json::Map<String, serde_json::Value> = fields.into_iter().collect();
                object.insert("v".to_owned(), v);
                object.insert("type".to_owned(), kind.into());
                serde_json::Value::Object(object)
            })
        }

        proptest! {
            #[test]
            fn any_text_decodes_or_gets_a_documented_code(text in ".{0,200}") {
                if let Err(error) = decode_client(&text) {
                    prop_assert!(DECODE_CODES.contains(&error.code), "{:?}", error);
                }
            }

            #[test]
            fn any_json_decodes_or_gets_a_documented_code(value in json()) {
                if let Err(error) = decode_client(&value.to_string()) {
                    prop_assert!(DECODE_CODES.contains(&error.code), "{:?}", error);
                }
            }

            #[test]
            fn frame_like_objects_decode_or_get_a_documented_code(value in frame_like()) {
                match decode_client(&value.to_string()) {
                    // What decodes re-encodes to something that decodes the same.
                    Ok(frame) => prop_assert_eq!(decode_client(&encode(&frame)), Ok(frame)),
                    Err(error) => prop_assert!(DECODE_CODES.contains(&error.code), "{:?}", error),
                }
            }
        }
    }
}
