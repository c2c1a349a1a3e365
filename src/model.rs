//! Data both sides hold: a stored chat message, and how its time is shown.

use crate::ids::{RoomName, Seq, Username};
use serde::{Deserialize, Serialize};

use crate::attachments::Attachment;

/// One stored message, as the store returns it and the wire carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    pub room: RoomName,
    /// Position in the room, assigned by the server: 1, 2, 3 … with no gaps.
    pub seq: Seq,
    /// The sender's id for this message; lets the sender match it to its pending copy.
    pub client_id: String,
    /// The author's display name when they sent it: what to show.
    pub author: String,
    /// The author's username: stable and unique, what tells people apart (display names are
    /// neither). Empty for messages stored before accounts existed.
    #[serde(default)]
    pub username: Username,
    /// Its author is a bot account: shown with a "bot" mark.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
    /// Posted by a bot under a name of its own (a webhook's `username`): `author` is that
    /// name, and this the bot's, shown as "via …".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Empty when the message is only attachments.
    pub body: String,
    /// `body` as sanitized HTML: the Markdown subset and links, rendered by the server (see
    /// `server::messages::markdown`). What pages show; `body` is the text as typed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub html: String,
    /// Server time of storage, milliseconds since the Unix epoch.
    pub ts: i64,
    /// Files the message carries, in the order they were attached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// When its author last edited it (ms since the Unix epoch); `None` if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    /// Deleted: its text and files are gone (`body`, `html` and `attachments` are empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Reactions, in the order each emoji was first used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// Usernames of the room's members it mentions (`@name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<Username>,
    /// The message this one answers, as a one-line quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Box<Quote>>,
    /// Pinned to the room (the room's pins say by whom and when).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
    /// A reply in the thread of message `thread_root` (in the same room): shown in the
    /// thread, and in the room's timeline only when `also_in_room`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_root: Option<Seq>,
    /// A thread reply its author sent to the room too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub also_in_room: bool,
    /// On a thread's root, its thread; on a reply, its root's thread as of this reply (so a
    /// page updates the root's count from the reply alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<ThreadSummary>,
    /// What the page of its first link says about itself, once the server has fetched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<Box<LinkPreview>>,
}

/// Where a link preview's image is served (to the room's readers only).
pub const PREVIEW_IMAGES_PATH: &str = "/previews";

/// A card under a message: what the page of its first link says about itself (its OpenGraph
/// or Twitter card tags, else its title), fetched by the server after the message was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkPreview {
    /// The link, as in the message.
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub site_name: String,
    /// The page's image, re-encoded by the server (at most 480×480).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<PreviewImage>,
}

/// A link preview's image, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreviewImage {
    /// Where it is served: [`PREVIEW_IMAGES_PATH`]`/<id>`.
    pub path: String,
    pub width: u32,
    pub height: u32,
}

impl ChatMessage {
    /// Whether the room's timeline shows it: not a thread reply, unless sent to the room too.
    pub fn in_timeline(&self) -> bool {
        self.thread_root.is_none() || self.also_in_room
    }

    /// For tests: message `seq` of #general from `username`, reading `body` (plain text, sent
    /// with client id `c<seq>` at the epoch), nothing else about it.
    #[cfg(test)]
    pub(crate) fn sample(seq: i64, username: &str, body: &str) -> Self {
        ChatMessage {
            room: "general".into(),
            seq: Seq(seq),
            client_id: format!("c{seq}"),
            author: username.into(),
            username: username.into(),
            bot: false,
            via: None,
            body: body.into(),
            html: String::new(),
            ts: 0,
            attachments: Vec::new(),
            edited_at: None,
            deleted: false,
            reactions: Vec::new(),
            mentions: Vec::new(),
            reply_to: None,
            pinned: false,
            thread_root: None,
            also_in_room: false,
            thread: None,
            preview: None,
        }
    }
}

/// Where message `seq` of `room` opens, scrolled to it: in its thread when it is a reply in
/// one (`thread_root`), else in the room.
pub fn message_path(room: &str, seq: Seq, thread_root: Option<Seq>) -> String {
    match thread_root {
        Some(root) => format!("/r/{room}/t/{root}?at={seq}#t-{seq}"),
        None => format!("/r/{room}?at={seq}#m-{seq}"),
    }
}

/// The page of thread `root` in `room`.
pub fn thread_path(room: &str, root: Seq) -> String {
    format!("/r/{room}/t/{root}")
}

/// Where a message is reported to the room's moderators (the server's page alone).
pub fn report_path(room: &str, seq: Seq) -> String {
    format!("/r/{room}/report/{seq}")
}

/// Reasons a message may be reported for: the code stored, and what a person reads.
pub const REPORT_REASONS: [(&str, &str); 4] = [
    ("spam", "Spam or advertising"),
    ("harassment", "Harassment or hate"),
    ("inappropriate", "Inappropriate or illegal content"),
    ("other", "Something else"),
];
/// Longest note a report may carry, in characters.
pub const MAX_REPORT_NOTE_CHARS: usize = 1_000;

/// Most people a thread's summary names (the first to take part).
pub const THREAD_PEOPLE_SHOWN: usize = 5;

/// A thread at a glance, as its root shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ThreadSummary {
    /// Replies so far (deleted ones included: they keep their place).
    pub replies: i64,
    /// When the last one was sent (ms since the Unix epoch).
    pub last_at: i64,
    /// Usernames of the first [`THREAD_PEOPLE_SHOWN`] people who replied, in that order.
    pub people: Vec<String>,
}

/// A thread someone follows, as their Threads view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedThread {
    pub room: RoomName,
    /// `#name`, or the other person in a conversation.
    pub room_title: String,
    /// Its root, in brief.
    pub root: Quote,
    pub replies: i64,
    /// When the last reply came (ms since the Unix epoch).
    pub last_at: i64,
    /// Replies by others since the person last looked.
    pub unread: i64,
}

/// A thread: its root and a page of its replies, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPage {
    pub root: ChatMessage,
    pub replies: HistoryPage,
}

/// Most messages one person keeps saved (the server refuses more; the list shows them all).
pub const MAX_SAVED_PER_PERSON: usize = 1_000;

/// One saved message, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMessage {
    pub room: RoomName,
    /// `#name`, or the other person in a conversation.
    pub room_title: String,
    pub seq: Seq,
    /// The thread it is a reply in (its root), if it is: the link opens there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_root: Option<Seq>,
    pub author: String,
    pub username: Username,
    /// The text as typed (empty for a message of attachments only).
    pub body: String,
    /// When it was sent.
    pub ts: i64,
    /// When it was saved.
    pub saved_at: i64,
}

/// Milliseconds between a page's saves of what is being typed (its draft).
pub const DRAFT_SAVE_EVERY_MS: f64 = 2_000.0;

/// What a person typed in a room and has not sent: kept on the server for their other
/// devices and the next visit; sending clears it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Draft {
    /// The text as typed (attachments are not kept).
    pub body: String,
    /// The message it answers, when replying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Quote>,
    /// When it was last saved (ms since the Unix epoch).
    pub updated_at: i64,
}

/// A message pinned to its room: which, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pin {
    /// The message, in brief.
    pub message: Quote,
    /// Who pinned it (username).
    pub by: String,
    /// When (ms since the Unix epoch).
    pub at: i64,
}

/// How far a person has read a room: the newest message by someone else they have passed.
/// What "Seen by" is made of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Receipt {
    pub username: Username,
    /// Their display name.
    pub name: String,
    pub seq: Seq,
}

/// The message a reply answers, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Quote {
    pub seq: Seq,
    /// Display name and username of its author.
    pub author: String,
    pub username: Username,
    /// The start of its text (at most [`QUOTE_CHARS`] characters, one line).
    pub excerpt: String,
    /// It was deleted since: no excerpt.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// Characters of the answered message a reply shows.
pub const QUOTE_CHARS: usize = 100;

impl Quote {
    /// The excerpt for a message's body: its first [`QUOTE_CHARS`] characters on one line.
    pub fn excerpt_of(body: &str) -> String {
        let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut excerpt: String = line.chars().take(QUOTE_CHARS).collect();
        if line.chars().count() > QUOTE_CHARS {
            excerpt.push('…');
        }
        excerpt
    }
}

/// One emoji's reactions to a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reaction {
    pub emoji: String,
    /// Usernames of who reacted, in the order they did.
    pub users: Vec<Username>,
}

/// A person as others see them, and as they see themselves on their profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub username: Username,
    pub display_name: String,
    pub status: String,
    /// Whether they send (and are shown) read receipts.
    #[serde(default)]
    pub read_receipts: bool,
}

/// The most people one person may block, so the list their pages carry stays small.
pub const MAX_BLOCKS_PER_PERSON: usize = 1_000;

/// A person someone blocked, as their list of blocked people shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedPerson {
    pub username: Username,
    pub name: String,
    /// When they were blocked (ms since the Unix epoch).
    pub since: i64,
}

/// Most bots one person may own.
pub const MAX_BOTS_PER_PERSON: usize = 20;

/// A bot a person owns, as their profile lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotSummary {
    pub username: Username,
    pub name: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Whether it has a token now (revoked: none until one is made again).
    pub has_token: bool,
    /// When its token was last used (to the minute), if ever.
    pub last_used_at: Option<i64>,
}

/// A bot's token, shown once when it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotToken {
    pub username: Username,
    pub token: String,
}

/// Most webhooks a room has at once (revoked ones do not count).
pub const MAX_HOOKS_PER_ROOM: usize = 10;

/// A room's incoming webhook, as the room lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct HookSummary {
    pub id: i64,
    /// Its bot's display name: what its messages show.
    pub name: String,
    /// Its bot's username.
    pub username: Username,
    /// Who made it (username), unless their account is gone.
    pub created_by: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// When it last posted, if ever.
    pub last_used_at: Option<i64>,
}

/// A webhook's URL, shown once when it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookUrl {
    pub id: i64,
    pub url: String,
}

/// Most slash commands of its own a room has.
pub const MAX_COMMANDS_PER_ROOM: usize = 20;
/// Most outgoing webhooks a room has.
pub const MAX_OUTGOING_PER_ROOM: usize = 10;

/// A room's own slash command, as its moderators manage it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct CommandSummary {
    pub id: i64,
    /// Without its `/`.
    pub name: String,
    pub url: String,
    /// What requests to `url` are signed with (HMAC-SHA256, Slack's scheme).
    pub secret: String,
    pub created_by: Option<String>,
    pub created_at: i64,
}

/// A room's outgoing webhook, as its moderators manage it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OutgoingSummary {
    pub id: i64,
    pub url: String,
    /// Only messages whose first word is one of these (space-separated); empty: every message.
    pub triggers: String,
    pub secret: String,
    pub created_by: Option<String>,
    pub created_at: i64,
    /// The HTTP status of its last delivery (0: no answer), and when.
    pub last_status: Option<i64>,
    pub last_at: Option<i64>,
}

/// One of a person's sessions, as their profile page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Browser and system, in words ("Firefox on Linux").
    pub device: String,
    /// The session this page was loaded with.
    pub this_one: bool,
    /// Milliseconds since the Unix epoch.
    pub started_at: i64,
    pub last_seen_at: i64,
}

/// Initials for an avatar: the first letters of the first two words of a name.
pub fn initials(name: &str) -> String {
    let first_letters: String =
        name.split_whitespace().take(2).filter_map(|word| word.chars().next()).collect();
    crate::text_case::uppercase(&first_letters)
}

/// A hue (0–359) for an avatar, stable for a username.
pub fn avatar_hue(username: &str) -> u32 {
    // FNV-1a: tiny, stable across builds and platforms, and good enough to spread colours.
    let hash = username.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % 360
}

/// One page of a room's history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HistoryPage {
    pub messages: Vec<ChatMessage>,
    /// Whether older messages exist before the first one here.
    pub has_older: bool,
}

/// `HH:MM` for a timestamp, shifted by `offset_minutes` east of UTC.
///
/// The server renders UTC (it cannot know the reader's zone); the browser re-renders with its
/// own offset once hydrated.
pub fn clock_time(ts_ms: i64, offset_minutes: i64) -> String {
    let minutes = (ts_ms.div_euclid(60_000) + offset_minutes).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Milliseconds since the Unix epoch by this side's clock: the server's, or the browser's.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// `YYYY-MM-DD HH:MM UTC` for a timestamp (milliseconds since the Unix epoch).
pub fn date_time(ts_ms: i64) -> String {
    format!("{} UTC", local_date_time(ts_ms, 0))
}

/// `YYYY-MM-DD HH:MM` for a timestamp, shifted by `offset_minutes` east of UTC.
pub fn local_date_time(ts_ms: i64, offset_minutes: i64) -> String {
    let days = (ts_ms.div_euclid(60_000) + offset_minutes).div_euclid(24 * 60);
    format!("{} {}", date(days), clock_time(ts_ms, offset_minutes))
}

/// `YYYY-MM-DD` for a day counted from 1970-01-01.
pub fn date(days: i64) -> String {
    let (year, month, day) = civil_date(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// (year, month, day) of a day counted from 1970-01-01: Howard Hinnant's `civil_from_days`,
/// proleptic Gregorian.
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_is_the_utc_calendar_date() {
        assert_eq!(date_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(date_time(1_700_000_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(date_time(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(date_time(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn clock_time_wraps_days_and_offsets() {
        // 2023-11-14T22:13:20Z
        assert_eq!(clock_time(1_700_000_000_000, 0), "22:13");
        assert_eq!(clock_time(1_700_000_000_000, 120), "00:13");
        assert_eq!(clock_time(1_700_000_000_000, -60 * 23), "23:13");
        assert_eq!(clock_time(0, 0), "00:00");
    }
}
