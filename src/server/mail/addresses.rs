//! A person's email address: added from the profile, used only once they opened the link
//! mailed to it (so nobody can have someone else's inbox mailed), never shown to anyone else.
//! The link's token is 256 random bits kept as its SHA-256 only, valid
//! [`VERIFY_VALID_MS`], used once; asking for a new link ends the one before. Addresses are kept in lower case, so one person's
//! `Ann@Example.com` and `ann@example.com` are one address.
//!
//! "Forgot password?" finds accounts here ([`Store::reset_recipients`]): by username, or by a
//! verified address (several accounts may share one; each gets its own link).

use crate::ids::{UserId, Username};
use sqlx::Row;

use crate::model::now_ms;
use crate::server::accounts::users::{new_secret, token_hash};
use crate::server::storage::store::{Store, StoreError};

/// How long a verification link works.
pub const VERIFY_VALID_MS: i64 = 24 * 60 * 60 * 1_000;
/// Where a verification link leads.
pub const VERIFY_PATH: &str = "/verify-email";
/// Most accounts one "Forgot password?" request mails links for (accounts sharing an address).
pub const MAX_RESET_RECIPIENTS: i64 = 20;
/// Longest address taken (RFC 5321's limit on a path).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("that is not an email address (name@example.com, at most {MAX_EMAIL_BYTES} bytes)")]
    Invalid,
}

/// `text` as an address to keep: trimmed, lower case, one `@` with a dotted domain, as lettre
/// parses it.
pub fn normalize_email(text: &str) -> Result<String, EmailError> {
    let address = text.trim().to_lowercase();
    let parsed: Result<lettre::Address, _> = address.parse();
    match parsed {
        Ok(parsed) if address.len() <= MAX_EMAIL_BYTES && parsed.domain().contains('.') => Ok(address),
        _ => Err(EmailError::Invalid),
    }
}

/// What the profile shows of a person's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailState {
    /// The verified address.
    pub address: Option<String>,
    /// An address a link was mailed to and not opened yet (while the link works).
    pub pending: Option<String>,
    pub digests: bool,
}

/// An account a "Forgot password?" request is for, and where its link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetRecipient {
    pub user_id: UserId,
    pub username: Username,
    pub email: String,
}

impl Store {
    /// A new verification link's token for `address` (normalised) as `user_id`'s.
    pub async fn start_verification(&self, user_id: UserId, address: &str) -> Result<String, StoreError> {
        let token = new_secret();
        let now = now_ms();
        let mut tx = self.begin().await?;
        // Only the newest link works: an address typed by mistake cannot be verified later.
        sqlx::query("UPDATE email_verifications SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO email_verifications (token_hash, user_id, address, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(address)
        .bind(now)
        .bind(now + VERIFY_VALID_MS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Use the verification link `token` at `now`: the account and the address it verified,
    /// or `None` for a token unknown, used or expired. Once only.
    pub async fn verify_email(&self, token: &str, now: i64) -> Result<Option<(UserId, String)>, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE email_verifications SET used_at = $1
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id, address",
        )
        .bind(now)
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (user_id, address): (UserId, String) = (row.try_get("user_id")?, row.try_get("address")?);
        sqlx::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3")
            .bind(&address)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((user_id, address)))
    }

    /// `user_id`'s address, the one waiting to be verified, and the digest setting.
    pub async fn email_state(&self, user_id: UserId) -> Result<EmailState, StoreError> {
        let row = sqlx::query(
            "SELECT u.email, u.email_digests,
                    (SELECT v.address FROM email_verifications v
                     WHERE v.user_id = u.id AND v.used_at IS NULL AND v.expires_at > $2
                     ORDER BY v.created_at DESC LIMIT 1) AS pending
             FROM users u WHERE u.id = $1",
        )
        .bind(user_id)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(EmailState { address: None, pending: None, digests: false }) };
        Ok(EmailState {
            address: row.try_get("email")?,
            pending: row.try_get("pending")?,
            digests: row.try_get::<i64, _>("email_digests")? != 0,
        })
    }

    /// Forget `user_id`'s address and any link waiting to verify one.
    pub async fn remove_email(&self, user_id: UserId) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET email = NULL, email_verified_at = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM email_verifications WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Digests of what `user_id` missed, on or off.
    pub async fn set_email_digests(&self, user_id: UserId, on: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET email_digests = $1 WHERE id = $2")
            .bind(i64::from(on))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The accounts a "Forgot password?" request for `who` (a username, or an address) is
    /// for: people, not deactivated, with a verified address.
    pub async fn reset_recipients(&self, who: &str) -> Result<Vec<ResetRecipient>, StoreError> {
        let who = who.trim().to_lowercase();
        let rows = sqlx::query(
            "SELECT id, username, email FROM users
             WHERE (username = $1 OR email = $1) AND email IS NOT NULL
               AND bot_owner_id IS NULL AND deactivated_at IS NULL
             ORDER BY id LIMIT $2",
        )
        .bind(&who)
        .bind(MAX_RESET_RECIPIENTS)
        .fetch_all(self.pool())
        .await?;
        let recipient = |row: &sqlx::any::AnyRow| -> Result<ResetRecipient, sqlx::Error> {
            Ok(ResetRecipient {
                user_id: row.try_get("id")?,
                username: row.try_get("username")?,
                email: row.try_get("email")?,
            })
        };
        Ok(rows.iter().map(recipient).collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_kept_trimmed_in_lower_case_and_checked() {
        assert_eq!(normalize_email("  Ann@Example.COM "), Ok("ann@example.com".to_owned()));
        for bad in ["ann", "ann@", "@example.com", "ann@localhost", "a b@example.com", "ann@@example.com"] {
            assert_eq!(normalize_email(bad), Err(EmailError::Invalid), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL_BYTES));
        assert_eq!(normalize_email(&long), Err(EmailError::Invalid));
    }
}
