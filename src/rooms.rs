//! Rooms as both sides see them: their kinds, their name rules, and a sidebar entry.

use crate::ids::{RoomName, Username};
use serde::{Deserialize, Serialize};

/// Shortest room name, in characters.
pub const MIN_ROOM_NAME_CHARS: usize = 2;
/// Longest room name, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 32;

/// Most members a room's page lists (the first, by username).
pub const MEMBER_LIST_MAX: usize = 100;

/// A member as the room's member list shows them (the page, and the `members` frame).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub username: Username,
    pub name: String,
    /// Connected now, on any tab or device.
    pub online: bool,
    /// Moderates the room (its creator, or promoted).
    #[serde(default)]
    pub moderator: bool,
    /// A bot account (`server::accounts::bots`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
}

/// Who may see and enter a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum RoomKind {
    /// Anyone signed in can find it and join.
    Public,
    /// Invite-only: only members know it exists.
    Private,
    /// A conversation between two people.
    Direct,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Public => "public",
            RoomKind::Private => "private",
            RoomKind::Direct => "direct",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(RoomKind::Public),
            "private" => Some(RoomKind::Private),
            "direct" => Some(RoomKind::Direct),
            _ => None,
        }
    }
}

/// Unread messages counted per room, at most: a room with that many is "1000+" behind.
pub const MAX_UNREAD_COUNTED: i64 = 1_000;

/// An unread count as the sidebar shows it.
pub fn unread_label(count: i64) -> String {
    if count >= MAX_UNREAD_COUNTED { format!("{MAX_UNREAD_COUNTED}+") } else { count.to_string() }
}

/// One line of the sidebar: a room or conversation the person is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoomSummary {
    /// The room's name, as in its URL (`/r/<name>`).
    pub name: RoomName,
    pub kind: RoomKind,
    /// What to show: `#name`, or for a conversation the other person's display name.
    pub title: String,
    /// Messages by others after the person's read position, counted up to
    /// [`MAX_UNREAD_COUNTED`]: a room that far behind or further says that many
    /// ([`unread_label`] shows "1000+"), so the sidebar costs the same however much history is
    /// unread.
    pub unread: i64,
    /// Of those, the ones that mention the person.
    #[serde(default)]
    pub mentions: i64,
    /// What of it notifies the person (their choice, or the default for its kind).
    pub notify: crate::notifications::NotifyLevel,
    /// For a conversation: whether the other person is online (any tab, any device).
    pub online: Option<bool>,
    /// For a conversation: the other person's username.
    pub peer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomNameError {
    #[error(
        "a room name is {MIN_ROOM_NAME_CHARS}–{MAX_ROOM_NAME_CHARS} characters: letters a–z, digits, '_' or '-'"
    )]
    Invalid,
}

/// A valid room name, lower-cased. Names starting `dm-` are kept for conversations.
pub fn normalize_room_name(name: &str) -> Result<String, RoomNameError> {
    let name = name.trim().to_ascii_lowercase();
    let chars = name.chars().count();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-');
    if (MIN_ROOM_NAME_CHARS..=MAX_ROOM_NAME_CHARS).contains(&chars)
        && name.chars().all(allowed)
        && !name.starts_with("dm-")
        && !name.starts_with(PRIVATE_ROOM_PREFIX)
    {
        Ok(name)
    } else {
        Err(RoomNameError::Invalid)
    }
}

/// The name of the conversation between two users (order does not matter).
/// Addresses of private rooms made by the server (`p-` and random letters): no chosen name
/// may start so.
pub const PRIVATE_ROOM_PREFIX: &str = "p-";

pub fn direct_room_name(a: crate::ids::UserId, b: crate::ids::UserId) -> String {
    format!("dm-{}-{}", a.min(b), a.max(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    #[test]
    fn room_names_follow_the_rules() {
        assert_eq!(normalize_room_name(" Random "), Ok("random".to_owned()));
        assert_eq!(normalize_room_name("rust-lang_2"), Ok("rust-lang_2".to_owned()));
        assert!(normalize_room_name("x").is_err());
        assert!(normalize_room_name("p-mine").is_err(), "private rooms' addresses are the server's");
        assert!(normalize_room_name("dm-1-2").is_err());
        assert!(normalize_room_name("two words").is_err());
        assert!(normalize_room_name(&"r".repeat(MAX_ROOM_NAME_CHARS + 1)).is_err());
        assert!(normalize_room_name("dm-1-2").is_err(), "dm- names belong to conversations");
    }

    #[test]
    fn a_conversation_has_one_name_whoever_starts_it() {
        assert_eq!(direct_room_name(UserId(7), UserId(3)), "dm-3-7");
        assert_eq!(direct_room_name(UserId(3), UserId(7)), "dm-3-7");
    }
}
