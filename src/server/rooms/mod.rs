//! Rooms and who is in them: membership and read positions (`membership`), moderators and
//! their log (`moderation`), each member's notification level (`notify_settings`), and the
//! live member list (`room_members`), its topic (`topic`), messages reported to its moderators
//! (`reports`), and who blocked whom, which closes their conversation (`blocks`). Every path
//! that shows a room asks `membership` first.
//! Uses `storage` and `accounts`.

pub mod blocks;
pub mod membership;
pub mod moderation;
pub mod notify_settings;
pub mod reports;
pub mod room_members;
pub mod topic;
