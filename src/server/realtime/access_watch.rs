//! Which removals this node's sockets have been checked against, room by room.
//!
//! A removal (or, in a private room, a member's sign-out) commits, then its news (`Revoke`,
//! `EndSession`, `EndUser`) reaches the sequencer: on this node through a command, from other
//! nodes through Redis. An event committed after the removal (on any node)
//! can reach the sequencer first. So every event carries the room's
//! [`AccessVersion`](crate::server::rooms::membership::AccessVersion) its commit saw, and the sequencer delivers
//! it only to sockets checked at that version or later: when it is behind, it reads the
//! sessions and membership of the room's sockets here again first (`Sequencer::recheck_room`).
//! Removals and sign-outs are rare, so this costs one comparison per event and a few reads per
//! removal.

use crate::ids::RoomId;
use std::collections::HashMap;

use crate::server::storage::store::AccessVersion;

#[derive(Debug, Default)]
pub struct AccessWatch {
    /// The version every socket joined to the room on this node was checked at (or later).
    checked: HashMap<RoomId, AccessVersion>,
}

impl AccessWatch {
    /// A socket joined the room after its membership was read at `version`.
    pub fn joined(&mut self, room_id: RoomId, version: AccessVersion) {
        let checked = self.checked.entry(room_id).or_insert(version);
        // The sockets already there were checked no later than they were.
        *checked = (*checked).min(version);
    }

    /// Whether an event committed at `version` needs the room's sockets checked again first.
    pub fn behind(&self, room_id: RoomId, version: AccessVersion) -> bool {
        self.checked.get(&room_id).is_some_and(|checked| version > *checked)
    }

    /// Every socket in the room was checked at `version` (or later).
    pub fn checked(&mut self, room_id: RoomId, version: AccessVersion) {
        if let Some(checked) = self.checked.get_mut(&room_id) {
            *checked = (*checked).max(version);
        }
    }

    /// The removal that made `version` has ended its sockets here. Only the next version is
    /// settled by it: an earlier removal not heard of yet still needs a check.
    pub fn revoked(&mut self, room_id: RoomId, version: AccessVersion) {
        if let Some(checked) = self.checked.get_mut(&room_id)
            && checked.0 + 1 == version.0
        {
            *checked = version;
        }
    }

    /// No socket here is joined to the room any more.
    pub fn forget(&mut self, room_id: RoomId) {
        self.checked.remove(&room_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: RoomId = RoomId(7);

    #[test]
    fn an_event_past_the_version_checked_asks_for_a_check_once() {
        let mut watch = AccessWatch::default();
        // Nobody here: nothing to check.
        assert!(!watch.behind(ROOM, AccessVersion(3)));
        watch.joined(ROOM, AccessVersion(2));
        assert!(!watch.behind(ROOM, AccessVersion(2)));
        assert!(watch.behind(ROOM, AccessVersion(3)));
        watch.checked(ROOM, AccessVersion(3));
        assert!(!watch.behind(ROOM, AccessVersion(3)));
    }

    #[test]
    fn a_later_joiner_does_not_vouch_for_earlier_sockets() {
        let mut watch = AccessWatch::default();
        watch.joined(ROOM, AccessVersion(1));
        watch.joined(ROOM, AccessVersion(4));
        assert!(watch.behind(ROOM, AccessVersion(4)));
    }

    #[test]
    fn news_of_a_removal_settles_only_the_next_version() {
        let mut watch = AccessWatch::default();
        watch.joined(ROOM, AccessVersion(1));
        // The removal making version 3 is heard before the one making 2.
        watch.revoked(ROOM, AccessVersion(3));
        assert!(watch.behind(ROOM, AccessVersion(3)));
        watch.revoked(ROOM, AccessVersion(2));
        assert!(!watch.behind(ROOM, AccessVersion(2)));
        assert!(watch.behind(ROOM, AccessVersion(3)));
        watch.forget(ROOM);
        assert!(!watch.behind(ROOM, AccessVersion(9)));
    }
}
