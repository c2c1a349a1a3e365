//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of
//! clock drift either way), computed by `totp-rs`. A secret is 160 random bits, set up in two
//! steps — made, then confirmed by a first code, so an authenticator that was never scanned
//! cannot lock anyone out — and each accepted time step is remembered: a code, once used, is
//! refused for the rest of its life (RFC 6238 §5.2), on every node.
//!
//! Confirming makes [`RECOVERY_CODES`] one-use recovery codes, kept as SHA-256 hashes. Their
//! plain text waits in the row until the security page shows it, once: that page takes it.

use crate::ids::UserId;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use sqlx::Row;
use totp_rs::{Algorithm, Secret, Totp};

use crate::server::accounts::users::token_hash;
use crate::server::storage::store::{Store, StoreError};

/// Recovery codes made when a second factor is turned on.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show beside the account.
pub const ISSUER: &str = "Banter";

/// Where a person's second factor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotpState {
    Off,
    /// Made, not yet confirmed by a first code: the base32 secret and its `otpauth://` URL.
    SettingUp {
        secret: String,
        url: String,
    },
    /// On, with this many recovery codes left.
    On {
        recovery_left: i64,
    },
}

/// The authenticator's view of `secret` for `username`.
fn totp(secret_base32: &str, username: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(username)
        .build()
        .ok()
}

/// The time step `code` is valid for at `now_secs` (one step either way), if any.
pub fn matching_step(secret_base32: &str, code: &str, now_secs: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    totp(secret_base32, "")?.check(&code, now_secs)
}

/// The code an authenticator shows for `secret_base32` at `now_secs` (tests, and nothing else
/// on the server).
pub fn code_at(secret_base32: &str, now_secs: u64) -> Option<String> {
    Some(totp(secret_base32, "")?.generate(now_secs).to_string())
}

/// A recovery code: 10 characters of an alphabet without look-alikes, as `xxxxx-xxxxx`.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A recovery code as typed: lower case, without spaces or dashes.
fn normalized_recovery_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

fn now_secs(now_ms: i64) -> u64 {
    u64::try_from(now_ms / 1000).unwrap_or(0)
}

impl Store {
    /// Where `user_id`'s second factor stands.
    pub async fn totp_state(&self, user_id: UserId, username: &str) -> Result<TotpState, StoreError> {
        let row = sqlx::query("SELECT secret, confirmed_at FROM totp_secrets WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(TotpState::Off) };
        let confirmed: Option<i64> = row.try_get("confirmed_at")?;
        let secret: String = row.try_get("secret")?;
        if confirmed.is_none() {
            let url = totp(&secret, username).and_then(|t| t.to_url().ok()).unwrap_or_default();
            return Ok(TotpState::SettingUp { secret, url });
        }
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?;
        Ok(TotpState::On { recovery_left: left })
    }

    /// Whether `user_id` signs in with a second factor.
    pub async fn totp_on(&self, user_id: UserId) -> Result<bool, StoreError> {
        let on: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM totp_secrets WHERE user_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(on.is_some())
    }

    /// Make a fresh secret for `user_id` to scan, replacing one not yet confirmed. `false` if
    /// a second factor is on already (turning it off comes first).
    pub async fn begin_totp(&self, user_id: UserId, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let on: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM totp_secrets WHERE user_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if on.is_some() {
            return Ok(false);
        }
        let mut bytes = [0u8; 20];
        OsRng.fill_bytes(&mut bytes);
        let secret = Secret::new_stack(bytes).to_base32();
        sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO totp_secrets (user_id, secret, last_step, created_at) VALUES ($1, $2, 0, $3)",
        )
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Confirm the secret being set up with a first `code`: on success the second factor is on
    /// and fresh recovery codes wait to be shown. `false` for a wrong code (or nothing set up).
    pub async fn confirm_totp(&self, user_id: UserId, code: &str, now: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let secret: Option<String> =
            sqlx::query_scalar("SELECT secret FROM totp_secrets WHERE user_id = $1 AND confirmed_at IS NULL")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(step) = secret.and_then(|secret| matching_step(&secret, code, now_secs(now))) else {
            return Ok(false);
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        sqlx::query(
            "UPDATE totp_secrets SET confirmed_at = $1, last_step = $2, fresh_codes = $3 WHERE user_id = $4",
        )
        .bind(now)
        .bind(i64::try_from(step).unwrap_or(i64::MAX))
        .bind(codes.join(" "))
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        for code in &codes {
            sqlx::query("INSERT INTO recovery_codes (code_hash, user_id) VALUES ($1, $2)")
                .bind(token_hash(&normalized_recovery_code(code)))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The recovery codes made at confirmation, if not shown yet: taken, so shown once.
    pub async fn take_fresh_recovery_codes(&self, user_id: UserId) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin().await?;
        let codes: Option<String> = sqlx::query_scalar(
            "SELECT fresh_codes FROM totp_secrets WHERE user_id = $1 AND fresh_codes IS NOT NULL",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("UPDATE totp_secrets SET fresh_codes = NULL WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(codes.map(|codes| codes.split(' ').map(str::to_owned).collect()).unwrap_or_default())
    }

    /// Check a second factor at sign-in: a current code not used before, or an unused
    /// recovery code (used up by this). `true` if it lets `user_id` in.
    pub async fn check_second_factor(
        &self,
        user_id: UserId,
        code: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query("SELECT secret FROM totp_secrets WHERE user_id = $1 AND confirmed_at IS NOT NULL")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = row else { return Ok(false) };
        let secret: String = row.try_get("secret")?;
        if let Some(step) = matching_step(&secret, code, now_secs(now)) {
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            // Only a later step than any accepted before: a code works once.
            let moved =
                sqlx::query("UPDATE totp_secrets SET last_step = $1 WHERE user_id = $2 AND last_step < $1")
                    .bind(step)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            tx.commit().await?;
            return Ok(moved.rows_affected() == 1);
        }
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE code_hash = $2 AND user_id = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(token_hash(&normalized_recovery_code(code)))
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(used.rows_affected() == 1)
    }

    /// Turn `user_id`'s second factor off, its recovery codes with it, and end every session
    /// but `keep` (the one turning it off).
    pub async fn disable_totp(&self, user_id: UserId, keep: &[u8]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        Store::end_sessions_but(&mut tx, user_id, keep).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    #[test]
    fn a_code_is_good_for_its_step_and_one_either_side() {
        let now = 1_700_000_000;
        let code = code_at(SECRET, now).expect("a code");
        assert_eq!(matching_step(SECRET, &code, now), Some(now / 30));
        assert_eq!(matching_step(SECRET, &code, now + 30), Some(now / 30));
        assert_eq!(matching_step(SECRET, &code, now + 90), None);
        assert_eq!(matching_step(SECRET, &format!("{} {}", &code[..3], &code[3..]), now), Some(now / 30));
        assert_eq!(matching_step(SECRET, "12345", now), None);
        assert_eq!(matching_step(SECRET, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_read_the_same_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(normalized_recovery_code(&code.to_uppercase().replace('-', " ")), code.replace('-', ""));
    }
}
