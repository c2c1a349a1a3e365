//! The bot accounts that speak for a room's integrations (an incoming webhook, a slash
//! command): each a member of its one room and nothing else.
//!
//! Why accounts at all: a message needs an author that member lists, permissions and
//! allowances already understand, so an integration's bot is checked by the same code as
//! anyone (a room it was taken out of refuses it) and spends its own allowance. Its maker owns
//! it, but it is not among their bots on the profile (`integration_bots` marks it): it has no
//! token and speaks only through its integration. When the integration goes, the bot leaves
//! the room and stays, so its old messages keep their author.

use crate::ids::{RoomId, UserId};
use crate::model::now_ms;
use crate::server::storage::store::{StoreError, WriteTx};

/// A condition on `users u`: not an integration's bot.
pub const NOT_AN_INTEGRATION: &str = "NOT EXISTS (SELECT 1 FROM integration_bots i WHERE i.user_id = u.id)";

/// Make a bot called `name` (validated) for an integration of the room, owned by `creator_id`,
/// and make it a member: its id. Its username is `prefix` and random hex digits.
pub async fn add(
    tx: &mut WriteTx,
    room_id: RoomId,
    creator_id: UserId,
    prefix: &str,
    name: &str,
) -> Result<UserId, StoreError> {
    let now = now_ms();
    let username = format!("{prefix}{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let bot_id: UserId = sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, display_name, created_at, bot_owner_id)
         VALUES ($1, '!', $2, $3, $4) RETURNING id",
    )
    .bind(&username)
    .bind(name)
    .bind(now)
    .bind(creator_id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO integration_bots (user_id) VALUES ($1)").bind(bot_id).execute(&mut **tx).await?;
    sqlx::query("INSERT INTO room_members (room_id, user_id, joined_at) VALUES ($1, $2, $3)")
        .bind(room_id)
        .bind(bot_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(bot_id)
}

/// Take an integration's bot out of its room (its integration is gone).
pub async fn remove(tx: &mut WriteTx, room_id: RoomId, bot_id: UserId) -> Result<(), StoreError> {
    let removed = sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
        .bind(room_id)
        .bind(bot_id)
        .execute(&mut **tx)
        .await?;
    // Under the room's row lock, as every change of who may read it (see `AccessVersion`).
    sqlx::query("UPDATE rooms SET access_version = access_version + $1 WHERE id = $2")
        .bind(i64::from(removed.rows_affected() > 0))
        .bind(room_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
