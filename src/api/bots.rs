//! Bot accounts from their owner's profile: make one, see them, rotate or revoke a token.
//!
//! Plain forms, like the rest of the profile: each answers with a redirect back to `/profile`
//! (a script gets JSON). A new token crosses that redirect in a short-lived HttpOnly cookie
//! (`server::accounts::new_token_cookie`) and [`my_bots`] hands it out once, clearing it; a
//! script also gets it in the answer. It is never readable again, only replaced. Rotating or
//! revoking ends the bot's open sockets on every node at once, as signing out everywhere does
//! for a person. Only the bot's owner may do any of it, and a bot may not make bots.

use crate::ids::Username;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::FormError;
use crate::api_error::ApiError;
use crate::model::{BotSummary, BotToken};

/// What a refused form adds to the profile's address: the refusal is the bots section's, not
/// the profile form's above it.
pub const BOTS_FORM: &str = "&in=bots#bots";

/// The profile's bots, and a token just made, to show once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotsList {
    pub bots: Vec<BotSummary>,
    pub new_token: Option<BotToken>,
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api_error::ApiError;
    use crate::model::BotToken;
    use crate::server::AppState;
    use crate::server::accounts::new_token_cookie;
    use crate::server::accounts::users::User;

    /// Where the profile shows its bots.
    pub const BOTS_PAGE: &str = "/profile";

    /// The signed-in person, who must not be a bot.
    pub async fn owner(state: &AppState) -> Result<User, ApiError> {
        let user = super::super::ssr::signed_in(state).await?;
        if user.bot {
            return Err(ApiError::not_allowed("a bot cannot own bots"));
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

    /// Answer with `token`: back to the profile, which shows it once; a script reads it here.
    /// `headers` are the request's (read before anything else is awaited).
    pub fn hand_over(headers: &axum::http::HeaderMap, token: BotToken) -> Result<Option<BotToken>, ApiError> {
        let secure = crate::server::accounts::session_cookie::over_https(headers);
        super::super::ssr::set_cookie(&new_token_cookie::set(
            new_token_cookie::Carries::BotToken,
            &token.username,
            &token.token,
            secure,
        ));
        leptos_axum::redirect(BOTS_PAGE);
        Ok(Some(token))
    }
}

/// The bots the signed-in person owns, by username, and the token just made if there is one
/// (once: reading it forgets it).
#[server(endpoint = "my_bots")]
pub async fn my_bots() -> Result<BotsList, ApiError> {
    use crate::server::accounts::new_token_cookie::{self, Carries};
    let state = super::ssr::state()?;
    let headers = super::ssr::headers().await?;
    let owner = ssr::owner(&state).await?;
    let bots = state.store.bots_of(owner.id).await.map_err(super::ssr::unavailable)?;
    let carried = new_token_cookie::read(&headers, Carries::BotToken);
    if carried.is_some() {
        let secure = crate::server::accounts::session_cookie::over_https(&headers);
        super::ssr::set_cookie(&new_token_cookie::clear(Carries::BotToken, secure));
    }
    // Only a token of one of this person's bots (the cookie is theirs, but check anyway).
    let new_token = carried
        .filter(|carried| bots.iter().any(|b| b.username == carried.label))
        .map(|carried| BotToken { username: carried.label.into(), token: carried.secret });
    Ok(BotsList { bots, new_token })
}

/// Make a bot: its username (the same rules as a person's) and display name. Its first token
/// goes to the profile (and to a script, in the answer); `None` when a plain form was sent back.
#[server(endpoint = "create_bot")]
pub async fn create_bot(username: Username, name: String) -> Result<Option<BotToken>, ApiError> {
    use crate::server::accounts::bots::NewBot;
    use crate::server::accounts::users::UserError;
    let state = super::ssr::state()?;
    let headers = super::ssr::headers().await?;
    let owner = ssr::owner(&state).await?;
    let refuse = |error: FormError| super::ssr::refuse(ssr::BOTS_PAGE, error, BOTS_FORM).map(|()| None);
    let Ok(username) = crate::accounts::normalize_username(&username) else {
        return refuse(FormError::InvalidUsername);
    };
    let Ok(name) = crate::protocol::validate_name(&name) else {
        return refuse(FormError::InvalidName);
    };
    match state.store.create_bot(owner.id, &username, name).await {
        Ok(NewBot::Made(bot, token)) => {
            tracing::info!(owner = %owner.id, bot = %bot.id, "bot made");
            ssr::hand_over(&headers, BotToken { username: bot.username, token: token.0 })
        }
        Ok(NewBot::TooMany) => refuse(FormError::TooManyBots),
        Err(UserError::UsernameTaken) => refuse(FormError::UsernameTaken),
        Err(error) => Err(super::ssr::unavailable(error)),
    }
}

/// A new token for the bot, shown once; the old one stops working and the bot's open sockets
/// end.
#[server(endpoint = "rotate_bot_token")]
pub async fn rotate_bot_token(username: Username) -> Result<Option<BotToken>, ApiError> {
    let state = super::ssr::state()?;
    let headers = super::ssr::headers().await?;
    let owner = ssr::owner(&state).await?;
    let bot = ssr::owned(&state, &owner, &username).await?;
    let token = state.store.rotate_bot_token(bot.id).await.map_err(super::ssr::unavailable)?;
    let ended = super::ssr::end_sockets_of(&state, bot.id);
    tracing::info!(owner = %owner.id, bot = %bot.id, sockets = ended, "bot token rotated");
    ssr::hand_over(&headers, BotToken { username: bot.username, token: token.0 })
}

/// Take the bot's token away: it stops working at once, and the bot's open sockets end. A
/// new one can be made with `rotate_bot_token`.
#[server(endpoint = "revoke_bot_token")]
pub async fn revoke_bot_token(username: Username) -> Result<(), ApiError> {
    let state = super::ssr::state()?;
    let owner = ssr::owner(&state).await?;
    let bot = ssr::owned(&state, &owner, &username).await?;
    state.store.delete_sessions_of(bot.id).await.map_err(super::ssr::unavailable)?;
    let ended = super::ssr::end_sockets_of(&state, bot.id);
    tracing::info!(owner = %owner.id, bot = %bot.id, sockets = ended, "bot token revoked");
    leptos_axum::redirect(ssr::BOTS_PAGE);
    Ok(())
}
