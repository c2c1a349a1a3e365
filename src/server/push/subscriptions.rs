//! Web Push in the store: the server's VAPID key, each device's subscription, and who in a
//! room could be pushed a message.

use crate::ids::{RoomId, UserId, Username};
use sqlx::Row;

use crate::model::now_ms;
use crate::notifications::NotifyLevel;
use crate::rooms::RoomKind;
use crate::server::rooms::membership::{RoomError, kind_of};
use crate::server::storage::store::Store;

/// Most devices one person may subscribe; the oldest goes when another comes.
pub const MAX_SUBSCRIPTIONS_PER_PERSON: i64 = 10;

/// A device's subscription, as the browser's `PushSubscription` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub endpoint: String,
    /// The device's public key (P-256, uncompressed, base64url).
    pub p256dh: String,
    /// The device's authentication secret (16 bytes, base64url).
    pub auth: String,
}

/// A member of a room who has at least one subscribed device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    pub user_id: UserId,
    pub username: Username,
    pub level: NotifyLevel,
    pub quiet_until: Option<i64>,
    pub subscriptions: Vec<Subscription>,
}

impl Store {
    /// The VAPID private key, made by `make` and stored the first time it is asked for (and
    /// only then). Safe when several ask at once: the first stored wins and everyone gets it.
    pub async fn vapid_key(&self, make: impl FnOnce() -> Vec<u8>) -> Result<Vec<u8>, RoomError> {
        let kept: Option<Vec<u8>> = sqlx::query_scalar("SELECT private_key FROM vapid_key WHERE id = 1")
            .fetch_optional(self.pool())
            .await?;
        if let Some(key) = kept {
            return Ok(key);
        }
        sqlx::query(
            "INSERT INTO vapid_key (id, private_key, created_at) VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(make())
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(sqlx::query_scalar("SELECT private_key FROM vapid_key WHERE id = 1")
            .fetch_one(self.pool())
            .await?)
    }

    /// Keep `user_id`'s subscription (a device may subscribe again: its endpoint is unique,
    /// and now theirs). Beyond [`MAX_SUBSCRIPTIONS_PER_PERSON`] the oldest goes.
    pub async fn subscribe(
        &self,
        user_id: UserId,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
    ) -> Result<(), RoomError> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
                 auth = excluded.auth, created_at = excluded.created_at",
        )
        .bind(user_id)
        .bind(endpoint)
        .bind(p256dh)
        .bind(auth)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN
                (SELECT id FROM push_subscriptions WHERE user_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3)",
        )
        .bind(user_id)
        .bind(user_id)
        .bind(MAX_SUBSCRIPTIONS_PER_PERSON)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forget a subscription: its device unsubscribed (only its own account may say so), or
    /// its push service said it is gone (`user_id` `None`).
    pub async fn unsubscribe(&self, user_id: Option<UserId>, endpoint: &str) -> Result<(), RoomError> {
        sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1 AND ($2 IS NULL OR user_id = $3)")
            .bind(endpoint)
            .bind(user_id)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The room's kind and how notifications name it (a private room's chosen title).
    pub async fn room_label(&self, room_id: RoomId) -> Result<Option<(RoomKind, String)>, RoomError> {
        let row = sqlx::query("SELECT kind, COALESCE(title, name) AS label FROM rooms WHERE id = $1")
            .bind(room_id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((kind_of(row.try_get::<&str, _>("kind")?), row.try_get("label")?)))
    }

    /// The room's members, but `author`, who have subscribed devices: with their level there
    /// and their pause.
    pub async fn push_targets(
        &self,
        room_id: RoomId,
        kind: RoomKind,
        author: Option<UserId>,
    ) -> Result<Vec<PushTarget>, RoomError> {
        let rows = sqlx::query(
            "SELECT u.id AS user_id, u.username, m.notify, u.quiet_until, s.id AS subscription_id, s.endpoint,
                    s.p256dh, s.auth
             FROM room_members m JOIN users u ON u.id = m.user_id
             JOIN push_subscriptions s ON s.user_id = u.id
             WHERE m.room_id = $1 AND u.id IS DISTINCT FROM $2
               AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = u.id AND b.blocked_id = $2)
             ORDER BY u.id, s.id",
        )
        .bind(room_id)
        .bind(author)
        .fetch_all(self.pool())
        .await?;
        let mut targets: Vec<PushTarget> = Vec::new();
        for row in &rows {
            let user_id: UserId = row.try_get("user_id")?;
            let subscription = Subscription {
                id: row.try_get("subscription_id")?,
                endpoint: row.try_get("endpoint")?,
                p256dh: row.try_get("p256dh")?,
                auth: row.try_get("auth")?,
            };
            match targets.last_mut() {
                Some(target) if target.user_id == user_id => target.subscriptions.push(subscription),
                _ => targets.push(PushTarget {
                    user_id,
                    username: row.try_get("username")?,
                    level: row
                        .try_get::<Option<&str>, _>("notify")?
                        .and_then(NotifyLevel::parse)
                        .unwrap_or_else(|| NotifyLevel::default_for(kind)),
                    quiet_until: row.try_get("quiet_until")?,
                    subscriptions: vec![subscription],
                }),
            }
        }
        Ok(targets)
    }
}
