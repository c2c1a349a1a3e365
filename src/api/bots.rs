//! Bot accounts from their owner's profile: make one, see them, rotate or revoke a token.
//!
//! A token is answered once, as JSON (the profile shows it to copy); it is never readable
//! again, only replaced. Rotating or revoking ends the bot's open sockets on every node at
//! once, as signing out everywhere does for a person. Only the bot's owner may do any of it,
//! and a bot may not make bots.

use leptos::prelude::*;

use crate::api_error::ApiError;
use crate::model::{BotSummary, BotToken};

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api_error::ApiError;
    use crate::server::AppState;
    use crate::server::accounts::users::User;

    /// The signed-in person, who must not be a bot.
    pub async fn owner(state: &AppState) -> Result<User, ApiError> {
        let user = super::super::ssr::signed_in(state).await?;
        if user.bot {
            return Err(ApiError::new(crate::api_error::ApiCode::NotAllowed, "a bot cannot own bots"));
        }
        Ok(user)
    }

    /// `owner`'s bot called `username`; not found for anyone else's.
    pub async fn owned(state: &AppState, owner: &User, username: &str) -> Result<User, ApiError> {
        let name = crate::accounts::normalize_username(username).map_err(|_| ApiError::not_found())?;
        state
            .store
            .owned_bot(owner.id, &name)
            .await
            .map_err(super::super::ssr::unavailable)?
            .ok_or_else(ApiError::not_found)
    }
}

/// The bots the signed-in person owns, by username.
#[server(endpoint = "my_bots")]
pub async fn my_bots() -> Result<Vec<BotSummary>, ApiError> {
    let state = super::ssr::state()?;
    let owner = ssr::owner(&state).await?;
    state.store.bots_of(owner.id).await.map_err(super::ssr::unavailable)
}

/// Make a bot: its username (the same rules as a person's) and display name. Answers its
/// first token, once.
#[server(endpoint = "create_bot")]
pub async fn create_bot(username: String, name: String) -> Result<BotToken, ApiError> {
    use crate::api_error::ApiCode;
    use crate::server::accounts::bots::{MAX_BOTS_PER_PERSON, NewBot};
    use crate::server::accounts::users::UserError;
    let state = super::ssr::state()?;
    let owner = ssr::owner(&state).await?;
    let username = crate::accounts::normalize_username(&username)
        .map_err(|error| ApiError::new(ApiCode::InvalidField, error.to_string()))?;
    let name = crate::protocol::validate_name(&name)
        .map_err(|error| ApiError::new(ApiCode::InvalidField, error.to_string()))?;
    match state.store.create_bot(owner.id, &username, name).await {
        Ok(NewBot::Made(bot, token)) => {
            tracing::info!(owner = owner.id, bot = bot.id, "bot made");
            Ok(BotToken { username: bot.username, token: token.0 })
        }
        Ok(NewBot::TooMany) => {
            Err(ApiError::new(ApiCode::LimitReached, format!("you have {MAX_BOTS_PER_PERSON} bots already")))
        }
        Err(UserError::UsernameTaken) => Err(ApiError::new(ApiCode::NameTaken, "that username is taken")),
        Err(error) => Err(super::ssr::unavailable(error)),
    }
}

/// A new token for the bot, answered once; the old one stops working and the bot's open
/// sockets end.
#[server(endpoint = "rotate_bot_token")]
pub async fn rotate_bot_token(username: String) -> Result<BotToken, ApiError> {
    let state = super::ssr::state()?;
    let owner = ssr::owner(&state).await?;
    let bot = ssr::owned(&state, &owner, &username).await?;
    let token = state.store.rotate_bot_token(bot.id).await.map_err(super::ssr::unavailable)?;
    let ended = super::ssr::end_sockets_of(&state, bot.id);
    tracing::info!(owner = owner.id, bot = bot.id, sockets = ended, "bot token rotated");
    Ok(BotToken { username: bot.username, token: token.0 })
}

/// Take the bot's token away: it stops working at once, and the bot's open sockets end. A
/// new one can be made with `rotate_bot_token`.
#[server(endpoint = "revoke_bot_token")]
pub async fn revoke_bot_token(username: String) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let owner = ssr::owner(&state).await?;
    let bot = ssr::owned(&state, &owner, &username).await?;
    state.store.delete_sessions_of(bot.id).await.map_err(super::ssr::unavailable)?;
    let ended = super::ssr::end_sockets_of(&state, bot.id);
    tracing::info!(owner = owner.id, bot = bot.id, sockets = ended, "bot token revoked");
    Ok(())
}
