//! Notification settings in the store: each member's level per room, and each person's "do
//! not disturb" pause. Stored on the server so every device and tab follows the same choice.

use crate::ids::{RoomId, UserId};
use crate::notifications::NotifyLevel;
use crate::server::rooms::membership::RoomError;
use crate::server::storage::store::Store;

impl Store {
    /// `user_id`'s level in the room; `false` if they are not a member (nothing changed).
    pub async fn set_notify_level(
        &self,
        room_id: RoomId,
        user_id: UserId,
        level: NotifyLevel,
    ) -> Result<bool, RoomError> {
        let changed = sqlx::query("UPDATE room_members SET notify = $1 WHERE room_id = $2 AND user_id = $3")
            .bind(level.as_str())
            .bind(room_id)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(changed.rows_affected() > 0)
    }

    /// Pause every notification of `user_id` until `until` (ms since the Unix epoch); `None`
    /// ends the pause.
    pub async fn set_quiet_until(&self, user_id: UserId, until: Option<i64>) -> Result<(), RoomError> {
        sqlx::query("UPDATE users SET quiet_until = $1 WHERE id = $2")
            .bind(until)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Until when `user_id` paused notifications, if they did (possibly in the past).
    pub async fn quiet_until(&self, user_id: UserId) -> Result<Option<i64>, RoomError> {
        let until: Option<Option<i64>> = sqlx::query_scalar("SELECT quiet_until FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(until.flatten())
    }
}
