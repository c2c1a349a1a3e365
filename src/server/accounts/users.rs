//! Accounts and sessions in the store.
//!
//! A session is a random 256-bit token handed to the browser in an HttpOnly cookie; the table
//! keeps only its SHA-256, so reading the database does not yield live credentials, and a
//! lookup is one primary-key probe. Sessions expire ([`SESSION_TTL`]); signing out deletes
//! the row, so the cookie is dead on every device that copied it.

use crate::ids::{UserId, Username};
use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::model::now_ms;
use crate::server::storage::store::{Store, StoreError, WriteTx};

/// How long a session lasts from sign-in.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A signed-up person, as pages and the hub see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: String,
    pub status: String,
    /// Whether they send (and are shown) read receipts (`server::messages::receipts`).
    pub read_receipts: bool,
    /// A bot account (`server::accounts::bots`): signs in with a token only.
    pub bot: bool,
}

impl User {
    pub fn profile(&self) -> crate::model::Profile {
        crate::model::Profile {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            status: self.status.clone(),
            read_receipts: self.read_receipts,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("that username is taken")]
    UsernameTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for UserError {
    fn from(error: sqlx::Error) -> Self {
        UserError::Store(StoreError::Sql(error))
    }
}

/// A new session's secret: what goes into the cookie. Never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

/// A session's name in the store and the hub: the SHA-256 of its token. Knowing it does not
/// let anyone sign in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(Vec<u8>);

impl SessionId {
    /// The hash as stored in `sessions.token_hash`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).to_vec())
    }

    /// As hex, to name the session to other nodes (`server::realtime::cluster`).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Read back [`SessionId::to_hex`]; `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
            return None;
        }
        let bytes = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok());
        bytes.collect::<Option<Vec<u8>>>().map(Self)
    }
}

/// How a secret handed out once (a session's token, a webhook's) is kept: its SHA-256.
pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    SessionId::of(token).0
}

/// A new secret to hand out once: 256 random bits, as 64 hex digits.
pub(crate) fn new_secret() -> String {
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    secret.iter().map(|b| format!("{b:02x}")).collect()
}

/// A live session and whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub user: User,
    /// Milliseconds since the Unix epoch when it ends by itself.
    pub expires_at: i64,
}

/// One of a person's sessions as the profile page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// Longest `User-Agent` kept with a session, in bytes; the rest is cut off.
pub const MAX_USER_AGENT_BYTES: usize = 256;
/// How stale a session's "last seen" may get before a request updates it: one write a minute
/// at most, not one per request.
pub const LAST_SEEN_EVERY_MS: i64 = 60_000;

fn clip(text: &str, max_bytes: usize) -> &str {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The columns of `users` (as `u`) that [`user_from_row`] reads.
pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.status, u.read_receipts,
    CASE WHEN u.bot_owner_id IS NULL THEN 0 ELSE 1 END AS bot";

/// An account from [`USER_COLUMNS`].
pub(crate) fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        status: row.try_get("status")?,
        read_receipts: row.try_get::<i64, _>("read_receipts")? != 0,
        bot: row.try_get::<i64, _>("bot")? != 0,
    })
}

impl Store {
    /// Create an account. `username` must already be normalized
    /// ([`crate::accounts::normalize_username`]).
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        display_name: &str,
    ) -> Result<User, UserError> {
        // A deleted account's name stays its own for a while.
        if self.username_retired(username, now_ms()).await? {
            return Err(UserError::UsernameTaken);
        }
        let inserted = sqlx::query(
            "INSERT INTO users (username, password_hash, display_name, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(display_name)
        .bind(now_ms())
        .fetch_one(self.pool())
        .await;
        match inserted {
            Ok(row) => Ok(User {
                id: row.try_get("id")?,
                username: username.into(),
                display_name: display_name.to_owned(),
                status: String::new(),
                read_receipts: true,
                bot: false,
            }),
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Err(UserError::UsernameTaken),
            Err(error) => Err(error.into()),
        }
    }

    /// The account and its password hash, for checking a sign-in. Bots are not found: they
    /// sign in with a token only.
    pub async fn user_for_signin(&self, username: &str) -> Result<Option<(User, String)>, UserError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1 AND u.bot_owner_id IS NULL AND u.deactivated_at IS NULL"
        ))
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?)))
    }

    /// The account `id`, deactivated or not.
    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>, UserError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, UserError> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"))
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// Start a session for `user_id` from a browser that says it is `user_agent`; the token
    /// goes into the cookie.
    pub async fn create_session(&self, user_id: UserId, user_agent: &str) -> Result<SessionToken, UserError> {
        let now = now_ms();
        self.insert_session(user_id, user_agent, now + SESSION_TTL.as_millis() as i64, now).await
    }

    /// A new session of `user_id` that lasts until `expires` (ms), last seen at `last_seen`
    /// (0: not used yet): its token, made here.
    pub(super) async fn insert_session(
        &self,
        user_id: UserId,
        user_agent: &str,
        expires: i64,
        last_seen: i64,
    ) -> Result<SessionToken, UserError> {
        let token = new_secret();
        let now = now_ms();
        // Expired sessions of anyone are cleared as new ones start: the table stays the size
        // of the live sessions without a background task.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(self.pool()).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, user_agent, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(expires)
        .bind(clip(user_agent, MAX_USER_AGENT_BYTES))
        .bind(last_seen)
        .execute(self.pool())
        .await?;
        Ok(SessionToken(token))
    }

    /// Whether a session still exists and has not expired.
    pub async fn session_is_live(&self, id: &SessionId) -> Result<bool, UserError> {
        let live: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(&id.0)
                .bind(now_ms())
                .fetch_optional(self.pool())
                .await?;
        Ok(live.is_some())
    }

    /// The user a session token belongs to, if the session exists and has not expired.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>, UserError> {
        Ok(self.session(token).await?.map(|session| session.user))
    }

    /// The live session a token names, noting that it was used (at most once a minute).
    pub async fn session(&self, token: &str) -> Result<Option<Session>, UserError> {
        let now = now_ms();
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.expires_at, s.last_seen_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             LEFT JOIN users owner ON owner.id = u.bot_owner_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deactivated_at IS NULL
               AND (owner.deactivated_at IS NULL
                    OR EXISTS (SELECT 1 FROM integration_bots i WHERE i.user_id = u.id))"
        ))
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let id = SessionId::of(token);
        let last_seen: i64 = row.try_get("last_seen_at")?;
        // Only when stale: a read that always wrote would queue every page view behind the
        // message writer.
        if now - last_seen > LAST_SEEN_EVERY_MS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&id.0)
                .execute(self.pool())
                .await?;
        }
        Ok(Some(Session { id, user: user_from_row(&row)?, expires_at: row.try_get("expires_at")? }))
    }

    /// End every session of `user_id` but `keep` (a second factor going: the one removing it
    /// stays), counted as a removal in their private rooms ([`Store::order_with_rooms_of`]),
    /// inside the caller's transaction.
    pub async fn end_sessions_but(tx: &mut WriteTx, user_id: UserId, keep: &[u8]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep)
            .execute(&mut **tx)
            .await?;
        Store::order_with_rooms_of(tx, user_id).await
    }

    /// A person's live sessions, the most recently used first.
    pub async fn sessions_of(&self, user_id: UserId) -> Result<Vec<SessionInfo>, UserError> {
        let rows = sqlx::query(
            "SELECT token_hash, user_agent, created_at, last_seen_at FROM sessions
             WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(user_id)
        .bind(now_ms())
        .fetch_all(self.pool())
        .await?;
        let session = |row: &sqlx::any::AnyRow| -> Result<SessionInfo, sqlx::Error> {
            Ok(SessionInfo {
                id: SessionId(row.try_get("token_hash")?),
                user_agent: row.try_get("user_agent")?,
                created_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
            })
        };
        Ok(rows.iter().map(session).collect::<Result<_, _>>()?)
    }

    /// End every session of a person (sign out everywhere). Ordered with the events of their
    /// private rooms as a removal is (`Store::order_with_rooms_of`).
    pub async fn delete_sessions_of(&self, user_id: UserId) -> Result<(), UserError> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        Self::order_with_rooms_of(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// End a session (sign out). Unknown tokens are fine: signing out twice is not an error.
    /// Ordered with the events of the person's private rooms as a removal is.
    pub async fn delete_session(&self, token: &str) -> Result<(), UserError> {
        let mut tx = self.begin().await?;
        let user_id: Option<UserId> =
            sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
                .bind(token_hash(token))
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(user_id) = user_id {
            Self::order_with_rooms_of(&mut tx, user_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Change a person's display name and status.
    pub async fn update_profile(
        &self,
        user_id: UserId,
        display_name: &str,
        status: &str,
    ) -> Result<(), UserError> {
        sqlx::query("UPDATE users SET display_name = $1, status = $2 WHERE id = $3")
            .bind(display_name)
            .bind(status)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("users.db")).await.expect("store opens");
        (dir, store)
    }

    #[test]
    fn a_session_id_reads_back_from_hex_and_nothing_else_does() {
        let id = SessionId::of("token");
        assert_eq!(id.to_hex().len(), 64);
        assert_eq!(SessionId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(SessionId::from_hex("abc"), None);
        assert_eq!(SessionId::from_hex("zz"), None);
        assert_eq!(SessionId::from_hex("é0"), None);
    }

    #[tokio::test]
    async fn usernames_are_unique_whatever_their_case() {
        let (_dir, store) = store().await;
        store.create_user("alice", "hash", "Alice").await.expect("created");
        let again = store.create_user("ALICE", "hash", "Alice").await;
        assert!(matches!(again, Err(UserError::UsernameTaken)), "{again:?}");
    }

    #[tokio::test]
    async fn a_session_token_finds_its_user_until_signed_out() {
        let (_dir, store) = store().await;
        let alice = store.create_user("alice", "hash", "Alice").await.expect("created");
        let token = store.create_session(alice.id, "test").await.expect("session");
        assert_eq!(token.0.len(), 64);
        assert_eq!(store.session_user(&token.0).await.expect("lookup"), Some(alice.clone()));
        assert_eq!(store.session_user("not-a-token").await.expect("lookup"), None);
        store.delete_session(&token.0).await.expect("signed out");
        assert_eq!(store.session_user(&token.0).await.expect("lookup"), None);
    }

    #[tokio::test]
    async fn an_expired_session_finds_nobody() {
        let (_dir, store) = store().await;
        let alice = store.create_user("alice", "hash", "Alice").await.expect("created");
        let token = store.create_session(alice.id, "test").await.expect("session");
        sqlx::query("UPDATE sessions SET expires_at = $1")
            .bind(now_ms() - 1)
            .execute(store.pool())
            .await
            .expect("expire");
        assert_eq!(store.session_user(&token.0).await.expect("lookup"), None);
    }

    #[tokio::test]
    async fn the_token_itself_is_never_stored() {
        let (_dir, store) = store().await;
        let alice = store.create_user("alice", "hash", "Alice").await.expect("created");
        let token = store.create_session(alice.id, "test").await.expect("session");
        let stored: Vec<u8> =
            sqlx::query_scalar("SELECT token_hash FROM sessions").fetch_one(store.pool()).await.expect("row");
        assert_ne!(stored, token.0.as_bytes());
        assert_eq!(stored.len(), 32);
    }
}
