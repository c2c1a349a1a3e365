//! Ceremonies begun and not finished. A ceremony is two requests: the server's challenge, then
//! the browser's signed answer. Between them its state waits in the database (any node may
//! take the answer), under the SHA-256 of a random token the browser holds in an HttpOnly
//! cookie ([`CEREMONY_COOKIE`], sent only to `/auth/passkeys`). The answer takes the state —
//! deletes it — so an answer replayed finds nothing, and a state older than
//! [`CEREMONY_VALID_MS`] is worthless.

use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use webauthn_rs::prelude::{DiscoverableAuthentication, PasskeyAuthentication, PasskeyRegistration, Uuid};

use crate::server::accounts::users::{new_secret, token_hash};
use crate::server::storage::store::{Store, StoreError};

/// How long a ceremony may take (finding the phone, touching the key).
pub const CEREMONY_VALID_MS: i64 = 5 * 60 * 1_000;
/// The cookie that ties a ceremony to the browser that began it.
pub const CEREMONY_COOKIE: &str = "banter_passkey";
/// The only path the cookie is sent to.
pub const CEREMONY_COOKIE_PATH: &str = "/auth/passkeys";

/// What the second request of a ceremony needs from its first.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ceremony {
    /// Adding a passkey to `user_id`, whose authenticators know them as `handle`; `pending`
    /// when they are still signing in (setting up the factor `--require-2fa` asks for), so the
    /// session starts when it is added.
    Register { user_id: UserId, pending: bool, handle: Uuid, state: PasskeyRegistration },
    /// The second factor after `user_id`'s password: one of their passkeys.
    SecondFactor { user_id: UserId, state: PasskeyAuthentication },
    /// Signing in with whichever passkey the browser offers; the passkey says whose it is.
    SignIn { state: DiscoverableAuthentication },
}

impl Ceremony {
    fn user_id(&self) -> Option<UserId> {
        match self {
            Ceremony::Register { user_id, .. } | Ceremony::SecondFactor { user_id, .. } => Some(*user_id),
            Ceremony::SignIn { .. } => None,
        }
    }
}

impl Store {
    /// Keep a ceremony just begun: the token for the browser's cookie. Those older than
    /// [`CEREMONY_VALID_MS`] go.
    pub async fn keep_passkey_ceremony(&self, ceremony: &Ceremony, now: i64) -> Result<String, StoreError> {
        let token = new_secret();
        let state = serde_json::to_string(ceremony).map_err(|error| sqlx::Error::Encode(error.into()))?;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM passkey_ceremonies WHERE created_at <= $1")
            .bind(now - CEREMONY_VALID_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO passkey_ceremonies (token_hash, user_id, ceremony, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash(&token))
        .bind(ceremony.user_id())
        .bind(state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Take the ceremony `token` names: `None` if it is unknown, taken already or too old.
    pub async fn take_passkey_ceremony(&self, token: &str, now: i64) -> Result<Option<Ceremony>, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM passkey_ceremonies WHERE token_hash = $1 RETURNING ceremony, created_at",
        )
        .bind(token_hash(token))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let created_at: i64 = row.try_get("created_at")?;
        if created_at <= now - CEREMONY_VALID_MS {
            return Ok(None);
        }
        let state: String = row.try_get("ceremony")?;
        let ceremony = serde_json::from_str(&state).map_err(|error| sqlx::Error::Decode(error.into()))?;
        Ok(Some(ceremony))
    }
}
