//! The passkeys each person keeps. A passkey is found at sign-in by its credential id alone
//! (the authenticator names it), and must belong to a live account; its stored form is
//! webauthn-rs's own (public key, algorithm, the signature counter), updated after each use so
//! a cloned key's stale counter is refused.

use crate::ids::UserId;
use sqlx::Row;
use webauthn_rs::prelude::{Passkey, Uuid};

use crate::accounts::MAX_PASSKEYS_PER_PERSON;
use crate::api::PasskeyLine;
use crate::server::storage::store::{Store, StoreError};

/// A passkey as kept: whose it is, and the handle its authenticator holds for them.
#[derive(Debug, Clone)]
pub struct KeptPasskey {
    pub id: i64,
    pub user_id: UserId,
    pub user_handle: Uuid,
    pub passkey: Passkey,
}

/// What adding a passkey came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Added,
    /// At [`MAX_PASSKEYS_PER_PERSON`] already.
    TooMany,
    /// This credential is registered already (to this account or another).
    Taken,
}

/// How a credential id is kept: lower-case hex.
fn credential_key(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode(row: &sqlx::any::AnyRow) -> Result<KeptPasskey, StoreError> {
    let handle: String = row.try_get("user_handle")?;
    let passkey: String = row.try_get("passkey")?;
    Ok(KeptPasskey {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        user_handle: Uuid::parse_str(&handle).map_err(|error| sqlx::Error::Decode(error.into()))?,
        passkey: serde_json::from_str(&passkey).map_err(|error| sqlx::Error::Decode(error.into()))?,
    })
}

fn encode(passkey: &Passkey) -> Result<String, StoreError> {
    Ok(serde_json::to_string(passkey).map_err(|error| sqlx::Error::Encode(error.into()))?)
}

impl Store {
    /// `user_id`'s passkeys, oldest first.
    pub async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<KeptPasskey>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, user_id, user_handle, passkey FROM passkeys WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(decode).collect()
    }

    /// `user_id`'s passkeys as their security page lists them.
    pub async fn passkey_lines(&self, user_id: UserId) -> Result<Vec<PasskeyLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PasskeyLine {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                })
            })
            .collect()
    }

    /// Whether `user_id` has any passkey (then one is asked for after the password, or a code).
    pub async fn has_passkeys(&self, user_id: UserId) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM passkeys WHERE user_id = $1 LIMIT 1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(found.is_some())
    }

    /// Whether `user_id` has a second factor of any kind: a confirmed authenticator app, or a
    /// passkey.
    pub async fn has_second_factor(&self, user_id: UserId) -> Result<bool, StoreError> {
        Ok(self.totp_on(user_id).await? || self.has_passkeys(user_id).await?)
    }

    /// Keep a passkey `user_id` just registered, named `name`.
    pub async fn add_passkey(
        &self,
        user_id: UserId,
        handle: Uuid,
        name: &str,
        passkey: &Passkey,
        now: i64,
    ) -> Result<Added, StoreError> {
        let key = credential_key(passkey.cred_id());
        let stored = encode(passkey)?;
        let mut tx = self.begin().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM passkeys WHERE credential_id = $1")
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Ok(Added::Taken);
        }
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(kept).unwrap_or(usize::MAX) >= MAX_PASSKEYS_PER_PERSON {
            return Ok(Added::TooMany);
        }
        sqlx::query(
            "INSERT INTO passkeys (user_id, credential_id, user_handle, name, passkey, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(key)
        .bind(handle.to_string())
        .bind(name)
        .bind(stored)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Added::Added)
    }

    /// The passkey with credential id `id`, if it is known and its account is live.
    pub async fn passkey_for_sign_in(&self, id: &[u8]) -> Result<Option<KeptPasskey>, StoreError> {
        let row = sqlx::query(
            "SELECT p.id, p.user_id, p.user_handle, p.passkey FROM passkeys p JOIN users u ON u.id = p.user_id
             WHERE p.credential_id = $1 AND u.deactivated_at IS NULL AND u.bot_owner_id IS NULL",
        )
        .bind(credential_key(id))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(decode).transpose()
    }

    /// Record a use of passkey `id`: when, and its credential as the use left it (its counter).
    pub async fn passkey_used(&self, id: i64, passkey: &Passkey, now: i64) -> Result<(), StoreError> {
        let stored = encode(passkey)?;
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE id = $3")
            .bind(stored)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Remove `user_id`'s passkey `id` and end every session of theirs but `keep` (the one
    /// removing it). `false` if they have no such passkey (nothing ends then).
    pub async fn remove_passkey(&self, user_id: UserId, id: i64, keep: &[u8]) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if removed.rows_affected() == 0 {
            return Ok(false);
        }
        Store::end_sessions_but(&mut tx, user_id, keep).await?;
        tx.commit().await?;
        Ok(true)
    }
}
