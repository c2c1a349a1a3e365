//! The one-click unsubscribe link in every digest: `/unsubscribe?token=<user id>.<signature>`,
//! the signature an HMAC-SHA256 of the user id under a key this server made once and keeps in
//! its database (`server_keys`), so the link works without signing in, on every node, and
//! cannot be made for someone else. It only turns digests off, which the profile turns back on.

use crate::ids::UserId;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::model::now_ms;
use crate::server::storage::store::{Store, StoreError};

/// Where the link leads.
pub const UNSUBSCRIBE_PATH: &str = "/unsubscribe";
/// The key's name in `server_keys`.
const KEY_NAME: &str = "unsubscribe";

/// Signs and checks unsubscribe tokens.
#[derive(Clone)]
pub struct UnsubscribeKey(Vec<u8>);

impl UnsubscribeKey {
    /// The server's key, made on first use.
    pub async fn load(store: &Store) -> Result<Self, StoreError> {
        let made = crate::server::accounts::users::new_secret().into_bytes();
        Ok(Self(store.server_key(KEY_NAME, made).await?))
    }

    fn signature(&self, user_id: UserId) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).ok()?;
        mac.update(b"unsubscribe:");
        mac.update(user_id.to_string().as_bytes());
        Some(mac)
    }

    /// `user_id`'s token.
    pub fn token(&self, user_id: UserId) -> String {
        let signature =
            self.signature(user_id).map(|mac| mac.finalize().into_bytes().to_vec()).unwrap_or_default();
        let hex: String = signature.iter().map(|b| format!("{b:02x}")).collect();
        format!("{user_id}.{hex}")
    }

    /// The account `token` unsubscribes, if its signature is this server's.
    pub fn check(&self, token: &str) -> Option<UserId> {
        let (id, hex) = token.split_once('.')?;
        let user_id = UserId(id.parse().ok()?);
        if hex.len() % 2 != 0 || !hex.is_ascii() {
            return None;
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        // Compared in constant time.
        self.signature(user_id)?.verify_slice(&bytes).ok().map(|()| user_id)
    }
}

impl Store {
    /// The server's secret called `name`, kept as `made` the first time it is asked for (of two
    /// nodes asking at once, one's is kept and both read it).
    pub async fn server_key(&self, name: &str, made: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let kept: Option<Vec<u8>> = sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        if let Some(key) = kept {
            return Ok(key);
        }
        // Only the first time: a write (and SQLite's write lock) for a key nobody made yet.
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(name)
        .bind(made)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = $1")
            .bind(name)
            .fetch_one(self.pool())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_its_own_account() {
        let key = UnsubscribeKey(b"a key of the server's own".to_vec());
        let token = key.token(UserId(42));
        assert_eq!(key.check(&token), Some(UserId(42)));
        let (_, signature) = token.split_once('.').expect("id.signature");
        assert_eq!(key.check(&format!("43.{signature}")), None, "another account");
        assert_eq!(key.check(&format!("42.{}", "0".repeat(signature.len()))), None);
        for bad in ["", "42", "42.", "x.00", "42.zz", "42.0", "42.é1"] {
            assert_eq!(key.check(bad), None, "{bad}");
        }
        assert_eq!(UnsubscribeKey(b"another server".to_vec()).check(&token), None);
    }
}
