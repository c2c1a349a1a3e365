//! Bot accounts: accounts that belong to a person and speak for a script, a CI job or an
//! integration, signed in with a token instead of a password.
//!
//! A bot is a row of `users` with its owner (`bot_owner_id`) and a password hash no password
//! matches, so everything a person may do is checked for a bot the same way, by the same code.
//! Its token is a session that does not expire (`sessions`, stored as a SHA-256 only): the
//! `Authorization: Bearer` header finds it as a cookie finds a browser's (`auth`), and
//! rotating or revoking it deletes that session, which ends the bot's open sockets on every
//! node as a sign-out does. The token itself is shown once, when it is made.

use crate::ids::UserId;
use sqlx::Row;

use crate::model::{BotSummary, now_ms};
use crate::server::accounts::users::{SessionToken, USER_COLUMNS, User, UserError, user_from_row};
use crate::server::integrations::integration_bots::NOT_AN_INTEGRATION;
use crate::server::storage::store::Store;

pub use crate::model::MAX_BOTS_PER_PERSON;
/// A bot token's session never expires in practice: year 9999, in ms since the Unix epoch.
const BOT_TOKEN_EXPIRES: i64 = 253_402_300_799_000;
/// A new token's "last seen": never (its first use sets it).
const NOT_USED_YET: i64 = 0;
/// What a bot token's session says in place of a browser.
const BOT_TOKEN_AGENT: &str = "bot token";

/// What making a bot asked for did.
#[derive(Debug)]
pub enum NewBot {
    /// Made, with its first token (shown once).
    Made(User, SessionToken),
    /// The owner has [`MAX_BOTS_PER_PERSON`] already.
    TooMany,
}

impl Store {
    /// Make a bot owned by `owner_id`, with its first token. `username` must already be
    /// normalized and `name` validated.
    pub async fn create_bot(
        &self,
        owner_id: UserId,
        username: &str,
        name: &str,
    ) -> Result<NewBot, UserError> {
        let owned: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM users u WHERE u.bot_owner_id = $1 AND {NOT_AN_INTEGRATION}"
        ))
        .bind(owner_id)
        .fetch_one(self.pool())
        .await?;
        if usize::try_from(owned).unwrap_or(usize::MAX) >= MAX_BOTS_PER_PERSON {
            return Ok(NewBot::TooMany);
        }
        let inserted = sqlx::query(
            "INSERT INTO users (username, password_hash, display_name, created_at, bot_owner_id)
             VALUES ($1, '!', $2, $3, $4) RETURNING id",
        )
        .bind(username)
        .bind(name)
        .bind(now_ms())
        .bind(owner_id)
        .fetch_one(self.pool())
        .await;
        let id: UserId = match inserted {
            Ok(row) => row.try_get("id")?,
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                return Err(UserError::UsernameTaken);
            }
            Err(error) => return Err(error.into()),
        };
        let bot = User {
            id,
            username: username.into(),
            display_name: name.to_owned(),
            status: String::new(),
            read_receipts: true,
            bot: true,
        };
        let token = self.insert_session(id, BOT_TOKEN_AGENT, BOT_TOKEN_EXPIRES, NOT_USED_YET).await?;
        Ok(NewBot::Made(bot, token))
    }

    /// `owner_id`'s bot called `username`, if they own one by that name.
    pub async fn owned_bot(&self, owner_id: UserId, username: &str) -> Result<Option<User>, UserError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1 AND u.bot_owner_id = $2 AND {NOT_AN_INTEGRATION}"
        ))
        .bind(username)
        .bind(owner_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// A new token for the bot: the old one stops working (the caller ends its sockets).
    pub async fn rotate_bot_token(&self, bot_id: UserId) -> Result<SessionToken, UserError> {
        self.delete_sessions_of(bot_id).await?;
        self.insert_session(bot_id, BOT_TOKEN_AGENT, BOT_TOKEN_EXPIRES, NOT_USED_YET).await
    }

    /// The bots `owner_id` owns, by username, with when their token was last used.
    pub async fn bots_of(&self, owner_id: UserId) -> Result<Vec<BotSummary>, UserError> {
        let rows = sqlx::query(&format!(
            "SELECT u.username, u.display_name, u.created_at,
                    (SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = u.id AND s.last_seen_at > $2)
                        AS last_used_at,
                    (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id) AS tokens
             FROM users u WHERE u.bot_owner_id = $1 AND {NOT_AN_INTEGRATION} ORDER BY u.username",
        ))
        .bind(owner_id)
        .bind(NOT_USED_YET)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BotSummary {
                    username: row.try_get("username")?,
                    name: row.try_get("display_name")?,
                    created_at: row.try_get("created_at")?,
                    has_token: row.try_get::<i64, _>("tokens")? > 0,
                    last_used_at: row.try_get("last_used_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(UserError::from)
    }
}
