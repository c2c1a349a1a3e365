//! A person deleting their account. In one transaction: the account stops being anyone —
//! its username becomes `deleted-<id>` (the old one retired for [`RETIRED_USERNAME_DAYS`]),
//! its name "Deleted user" on every message it wrote, no password, no email, deactivated (so
//! every node closes its sockets within a second, as for a deactivation) — and what was
//! theirs alone goes: sessions, bot tokens, push subscriptions, drafts, saved messages,
//! thread follows, second factor, identity-provider link, pending links, and their seats in
//! rooms. Their messages stay, under "Deleted user", unless they ask for those to go too:
//! then each is deleted as a sequenced deletion ([`delete_messages_of`]), so every client
//! catches up. Uploads never sent are swept like anyone's.

use crate::ids::{RoomId, Seq, UserId, Username};
use sqlx::Row;

use crate::server::AppState;
use crate::server::messages::retention::delete_as_author;
use crate::server::storage::store::{Store, StoreError};

/// How long a deleted account's username stays unavailable to others.
pub const RETIRED_USERNAME_DAYS: i64 = 90;
/// What a deleted account is called.
pub const DELETED_NAME: &str = "Deleted user";
const DAY_MS: i64 = 24 * 60 * 60 * 1_000;

/// Tables whose rows are a person's own, by `user_id`.
const OWN_ROWS: [&str; 15] = [
    "sessions",
    "push_subscriptions",
    "drafts",
    "saved_messages",
    "thread_follows",
    "email_verifications",
    "password_resets",
    "digest_marks",
    "totp_secrets",
    "recovery_codes",
    "pending_sign_ins",
    "sso_identities",
    "passkeys",
    "passkey_ceremonies",
    "room_moderators",
];

impl Store {
    /// Delete the account `user_id` at `now` (see the module's docs): the rooms it was in.
    pub async fn delete_account(&self, user_id: UserId, now: i64) -> Result<Vec<RoomId>, StoreError> {
        let mut tx = self.begin().await?;
        let username: Option<Username> =
            sqlx::query_scalar("SELECT username FROM users WHERE id = $1 AND bot_owner_id IS NULL")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(username) = username else { return Ok(Vec::new()) };
        sqlx::query("DELETE FROM retired_usernames WHERE username = $1")
            .bind(&username)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO retired_usernames (username, until) VALUES ($1, $2)")
            .bind(&username)
            .bind(now + RETIRED_USERNAME_DAYS * DAY_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE users SET username = $1, display_name = $2, status = '', password_hash = '!', email = NULL,
                 email_verified_at = NULL, email_digests = 0, deactivated_at = $3
             WHERE id = $4",
        )
        .bind(format!("deleted-{user_id}"))
        .bind(DELETED_NAME)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE messages SET author = $1 WHERE author_id = $2")
            .bind(DELETED_NAME)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for table in OWN_ROWS {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        // Whom they blocked (who blocked them stays: it keeps nothing of theirs).
        sqlx::query("DELETE FROM blocks WHERE blocker_id = $1").bind(user_id).execute(&mut *tx).await?;
        // Their bots' tokens.
        sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE bot_owner_id = $1)")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let rooms: Vec<RoomId> = sqlx::query_scalar("SELECT room_id FROM room_members WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *tx)
            .await?;
        // Ordered with the events of their private rooms, as any sign-out is.
        Store::order_with_rooms_of(&mut tx, user_id).await?;
        sqlx::query("DELETE FROM room_members WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(rooms)
    }

    /// Whether `username` belongs to a deleted account and is not free yet at `now`.
    pub async fn username_retired(&self, username: &str, now: i64) -> Result<bool, StoreError> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT until FROM retired_usernames WHERE username = $1")
                .bind(username)
                .fetch_optional(self.pool())
                .await?;
        Ok(found.is_some_and(|until| until > now))
    }

    /// Every message `user_id` wrote that is not deleted yet: (room id, room name, seq).
    async fn messages_of(&self, user_id: UserId) -> Result<Vec<(RoomId, String, Seq)>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.room_id, r.name, m.seq FROM messages m JOIN rooms r ON r.id = m.room_id
             WHERE m.author_id = $1 AND m.deleted_at IS NULL ORDER BY m.room_id, m.seq",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("room_id")?, row.try_get("name")?, row.try_get("seq")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

/// Delete every message `user_id` wrote, each a sequenced deletion: how many.
pub async fn delete_messages_of(state: &AppState, user_id: UserId) -> Result<usize, StoreError> {
    let mut deleted = 0;
    for (room_id, room, seq) in state.store.messages_of(user_id).await? {
        if delete_as_author(state, room_id, room.into(), seq, user_id, format!("account-deleted:{seq}")).await
        {
            deleted += 1;
        }
    }
    Ok(deleted)
}
