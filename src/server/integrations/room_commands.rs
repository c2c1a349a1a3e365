//! A room's own slash commands: `/name` registered by its moderators to a handler URL.
//!
//! Using one POSTs what Slack sends its handlers (form fields `command`, `text`,
//! `channel_id`, `channel_name`, `user_id`, `user_name`, `team_id`), signed (`signing`), so a
//! handler written for Slack works unchanged. The handler has `--command-timeout-ms` (3 s) to
//! answer `{"text", "response_type"}`: `in_channel` posts the text to the room as the
//! command's bot (`integration_bots`), anything else answers the person alone; no answer in
//! time, an answer over [`MAX_ANSWER_BYTES`], or a failure, tells them so. The call never holds up the caller's connection: a
//! socket's command runs in a task of its own.

use crate::ids::{RoomId, UserId};
use serde::Deserialize;
use sqlx::Row;

use crate::model::{CommandSummary, now_ms};
use crate::server::AppState;
use crate::server::accounts::users::{USER_COLUMNS, User, new_secret, user_from_row};
use crate::server::commands::CommandError;
use crate::server::integrations::{handler_url, integration_bots, signing};
use crate::server::messages::history::Placement;
use crate::server::messages::posting::{Post, post_as};
use crate::server::realtime::hub::Person;
use crate::server::rooms::membership::RoomAccess;
use crate::server::storage::store::{Store, StoreError};

pub use crate::model::MAX_COMMANDS_PER_ROOM;
/// Longest answer read from a command's handler (a message is at most 4,000 characters).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;
/// A command bot's username: this, then random hex digits.
const COMMAND_BOT_PREFIX: &str = "cmd-";

/// A room's command, as calling it needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomCommand {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub secret: String,
    pub bot: User,
}

/// What registering a command did.
#[derive(Debug)]
pub enum NewCommand {
    Made {
        id: i64,
    },
    /// The room has a command of that name, or a built-in one has it.
    Taken,
    /// The room has [`MAX_COMMANDS_PER_ROOM`] already.
    TooMany,
}

impl Store {
    /// Register `/name` (lower case, a command's characters) for the room, calling `url`
    /// (checked); its bot is named `/name`.
    pub async fn create_command(
        &self,
        room_id: RoomId,
        creator_id: UserId,
        name: &str,
        url: &str,
    ) -> Result<NewCommand, StoreError> {
        if crate::commands::BUILT_IN.iter().any(|spec| spec.name == name) {
            return Ok(NewCommand::Taken);
        }
        let mut tx = self.begin().await?;
        let rows = sqlx::query("SELECT name FROM room_commands WHERE room_id = $1")
            .bind(room_id)
            .fetch_all(&mut *tx)
            .await?;
        let names = rows.iter().map(|row| row.try_get::<String, _>("name")).collect::<Result<Vec<_>, _>>()?;
        if names.iter().any(|taken| taken == name) {
            return Ok(NewCommand::Taken);
        }
        if names.len() >= MAX_COMMANDS_PER_ROOM {
            return Ok(NewCommand::TooMany);
        }
        let bot_id =
            integration_bots::add(&mut tx, room_id, creator_id, COMMAND_BOT_PREFIX, &format!("/{name}"))
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO room_commands (room_id, name, url, secret, bot_id, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(room_id)
        .bind(name)
        .bind(url)
        .bind(new_secret())
        .bind(bot_id)
        .bind(creator_id)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NewCommand::Made { id })
    }

    /// The room's commands, by name.
    pub async fn commands_in(&self, room_id: RoomId) -> Result<Vec<CommandSummary>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.name, c.url, c.secret, u.username AS created_by, c.created_at
             FROM room_commands c LEFT JOIN users u ON u.id = c.created_by WHERE c.room_id = $1 ORDER BY c.name",
        )
        .bind(room_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The room's command `/name`, if it has one.
    pub async fn command_named(
        &self,
        room_id: RoomId,
        name: &str,
    ) -> Result<Option<RoomCommand>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT c.id AS command_id, c.name, c.url, c.secret, {USER_COLUMNS}
             FROM room_commands c JOIN users u ON u.id = c.bot_id WHERE c.room_id = $1 AND c.name = $2"
        ))
        .bind(room_id)
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(RoomCommand {
            id: row.try_get("command_id")?,
            name: row.try_get("name")?,
            url: row.try_get("url")?,
            secret: row.try_get("secret")?,
            bot: user_from_row(&row)?,
        }))
    }

    /// Remove the room's command `id` (its bot leaves the room); whether there was one.
    pub async fn delete_command(&self, room_id: RoomId, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let bot_id: Option<UserId> =
            sqlx::query_scalar("DELETE FROM room_commands WHERE id = $1 AND room_id = $2 RETURNING bot_id")
                .bind(id)
                .bind(room_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(bot_id) = bot_id else { return Ok(false) };
        integration_bots::remove(&mut tx, room_id, bot_id).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// What a handler answers (Slack's fields; the rest is ignored).
#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    text: String,
    #[serde(default)]
    response_type: String,
}

/// What a command's call came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Called {
    /// The answer went to the room, as the command's bot, with the caller's `client_id`.
    Posted,
    /// The answer, for the caller alone.
    Reply(String),
}

/// Call `command` for `caller` in `room` with `text`; `client_id` is the caller's send's, so
/// an answer for the room settles their pending message.
pub async fn call(
    state: &AppState,
    caller: &Person,
    room: &RoomAccess,
    command: &RoomCommand,
    text: &str,
    client_id: &str,
) -> Result<Called, CommandError> {
    let name = command.name.clone();
    let failed = |why: String| CommandError::HandlerFailed { name: name.clone(), why };
    let url =
        handler_url::parse(&command.url, state.config.hooks_allow_http).map_err(|e| failed(e.to_string()))?;
    state.outbound.check_literal(&url).map_err(|e| failed(e.to_string()))?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("command", &format!("/{}", command.name))
        .append_pair("text", text)
        .append_pair("channel_id", &room.id.to_string())
        .append_pair("channel_name", &room.name)
        .append_pair("user_id", &caller.user_id.to_string())
        .append_pair("user_name", &caller.username)
        .append_pair("team_id", "banter")
        .finish();
    let request = signing::signed_request(
        &state.command_client,
        &url,
        &command.secret,
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    );
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) if error.is_timeout() => return Err(CommandError::NoAnswer(command.name.clone())),
        Err(error) => {
            tracing::info!(command = command.id, %error, "a room's command could not be called");
            return Err(failed("it could not be reached".to_owned()));
        }
    };
    let status = response.status();
    if !status.is_success() {
        return Err(failed(format!("it answered {}", status.as_u16())));
    }
    let mut response = response;
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_ANSWER_BYTES => {
                bytes.extend_from_slice(&chunk)
            }
            Ok(Some(_)) => return Err(failed(format!("its answer was over {MAX_ANSWER_BYTES} bytes"))),
            Ok(None) => break,
            Err(error) if error.is_timeout() => return Err(CommandError::NoAnswer(command.name.clone())),
            Err(_) => return Err(failed("its answer was cut off".to_owned())),
        }
    }
    let answer = if bytes.iter().all(u8::is_ascii_whitespace) {
        Answer { text: String::new(), response_type: String::new() }
    } else {
        serde_json::from_slice(&bytes).map_err(|_| failed("its answer was not JSON".to_owned()))?
    };
    if answer.text.trim().is_empty() {
        return Ok(Called::Reply(format!("/{} was sent.", command.name)));
    }
    if answer.response_type != "in_channel" {
        return Ok(Called::Reply(answer.text));
    }
    let post = Post::new(client_id, &answer.text, Vec::new(), Placement::default())
        .map_err(|e| failed(format!("its answer was refused: {e}")))?;
    post_as(state, &command.bot, &room.name, post, None)
        .await
        .map_err(|e| failed(format!("its answer was refused: {e}")))?;
    Ok(Called::Posted)
}
