//! `banter admin …`: an operator's acts on accounts, against the server's own database (the
//! SQLite file, or `--database-url`), safe while the server runs — every write is one short
//! transaction, as the server's own are. Each act is logged (`tracing`, target
//! `banter::admin`).
//!
//! What is here: the server's schema and counts (`status`), its people and rooms with counts
//! (`users`, `rooms`), making an account (`create-user`, which prints a link to set its
//! password), a password reset link for someone who forgot theirs (`reset-link`),
//! administrators (`grant-admin`, `revoke-admin`) and people who left (`deactivate`,
//! `reactivate`). Each act that changes an account is kept in the administrators' log
//! (`admin_log`), which `log` prints.

use std::time::Duration;

use anyhow::Context;
use sqlx::Row;

use crate::server::accounts::password_resets::{self, RESET_VALID_MS};
use crate::server::accounts::passwords;
use crate::server::accounts::users::new_secret;
use crate::server::config::{AdminCommand, Config};
use crate::server::storage::store::Store;

/// Run `command` against `config`'s database; what to print.
pub async fn run(config: &Config, command: &AdminCommand) -> anyhow::Result<String> {
    let store = Store::connect(&config.database(), Duration::from_millis(config.busy_timeout_ms))
        .await
        .context("cannot open the database")?;
    let base = |given: &Option<String>| {
        given.as_deref().map_or_else(|| config.public_url(None), |url| url.trim_end_matches('/').to_owned())
    };
    let printed = match command {
        AdminCommand::Status => status(&store).await,
        AdminCommand::Log { limit } => log(&store, *limit).await,
        AdminCommand::Users => users(&store).await,
        AdminCommand::Rooms => rooms(&store).await,
        AdminCommand::CreateUser { username, name, base_url } => {
            create_user(&store, username, name.as_deref(), &base(base_url)).await
        }
        AdminCommand::ResetLink { username, base_url } => reset_link(&store, username, &base(base_url)).await,
        AdminCommand::GrantAdmin { username } => set_admin(&store, username, true).await,
        AdminCommand::RevokeAdmin { username } => set_admin(&store, username, false).await,
        AdminCommand::Deactivate { username } => set_deactivated(&store, username, true).await,
        AdminCommand::Reactivate { username } => set_deactivated(&store, username, false).await,
        AdminCommand::Retention { room, days } => set_retention(&store, room, days).await,
    }?;
    if let Some((act, username)) = act_of(command) {
        let username =
            crate::accounts::normalize_username(username).map_err(|error| anyhow::anyhow!("{error}"))?;
        store.log_admin_act(&operator(), act, &username).await.context("cannot log the act")?;
    }
    Ok(printed)
}

/// What `command` does to an account, for the administrators' log: the act and the username.
/// `None` for commands that only read.
pub fn act_of(command: &AdminCommand) -> Option<(&'static str, &str)> {
    match command {
        AdminCommand::Status
        | AdminCommand::Users
        | AdminCommand::Rooms
        | AdminCommand::Log { .. }
        | AdminCommand::Retention { .. } => None,
        AdminCommand::CreateUser { username, .. } => Some(("create-user", username)),
        AdminCommand::ResetLink { username, .. } => Some(("reset-link", username)),
        AdminCommand::GrantAdmin { username } => Some(("grant-admin", username)),
        AdminCommand::RevokeAdmin { username } => Some(("revoke-admin", username)),
        AdminCommand::Deactivate { username } => Some(("deactivate", username)),
        AdminCommand::Reactivate { username } => Some(("reactivate", username)),
    }
}

/// Who runs this command: the operating system's user name (`USER`, or `LOGNAME`).
fn operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The administrators' log, newest first: when, who, what, to whom.
pub async fn log(store: &Store, limit: i64) -> anyhow::Result<String> {
    let mut printed = String::new();
    for act in store.admin_acts(limit).await? {
        printed.push_str(&format!(
            "{}  {}  {} {}\n",
            crate::model::date_time(act.at),
            act.actor,
            act.act,
            act.target
        ));
    }
    Ok(printed)
}

/// The schema version the database is at, and how much it holds.
pub async fn status(store: &Store) -> anyhow::Result<String> {
    let row = sqlx::query(
        "SELECT (SELECT MAX(version) FROM _sqlx_migrations WHERE success) AS schema_version,
                (SELECT COUNT(*) FROM users WHERE bot_owner_id IS NULL) AS people,
                (SELECT COUNT(*) FROM users WHERE bot_owner_id IS NOT NULL) AS bots,
                (SELECT COUNT(*) FROM rooms) AS rooms, (SELECT COUNT(*) FROM messages) AS messages,
                (SELECT COUNT(*) FROM sessions) AS sessions",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(format!(
        "schema {}\npeople {}\nbots {}\nrooms {}\nmessages {}\nsessions {}\n",
        row.try_get::<i64, _>("schema_version")?,
        row.try_get::<i64, _>("people")?,
        row.try_get::<i64, _>("bots")?,
        row.try_get::<i64, _>("rooms")?,
        row.try_get::<i64, _>("messages")?,
        row.try_get::<i64, _>("sessions")?,
    ))
}

/// What an account is, in the `users` list.
fn kind_of(bot: bool, admin: bool, deactivated: bool) -> &'static str {
    match (bot, admin, deactivated) {
        (true, _, _) => "bot",
        (false, _, true) => "deactivated",
        (false, true, false) => "admin",
        (false, false, false) => "person",
    }
}

/// Every account: username, display name, what it is (person, admin, bot, deactivated),
/// messages written, live sessions.
pub async fn users(store: &Store) -> anyhow::Result<String> {
    let rows = sqlx::query(
        "SELECT u.username, u.display_name, CASE WHEN u.bot_owner_id IS NULL THEN 0 ELSE 1 END AS bot,
                u.admin, u.deactivated_at,
                (SELECT COUNT(*) FROM messages m WHERE m.author_id = u.id) AS messages,
                (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id) AS sessions
         FROM users u ORDER BY u.username",
    )
    .fetch_all(store.pool())
    .await?;
    let mut out = String::from("username\tname\tkind\tmessages\tsessions\n");
    for row in rows {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            row.try_get::<String, _>("username")?,
            row.try_get::<String, _>("display_name")?,
            kind_of(
                row.try_get::<i64, _>("bot")? != 0,
                row.try_get::<i64, _>("admin")? != 0,
                row.try_get::<Option<i64>, _>("deactivated_at")?.is_some()
            ),
            row.try_get::<i64, _>("messages")?,
            row.try_get::<i64, _>("sessions")?,
        ));
    }
    Ok(out)
}

/// Every room: its name, kind, members and messages.
pub async fn rooms(store: &Store) -> anyhow::Result<String> {
    let rows = sqlx::query(
        "SELECT r.name, r.kind,
                (SELECT COUNT(*) FROM room_members rm WHERE rm.room_id = r.id) AS members,
                (SELECT COUNT(*) FROM messages m WHERE m.room_id = r.id) AS messages
         FROM rooms r ORDER BY r.name",
    )
    .fetch_all(store.pool())
    .await?;
    let mut out = String::from("room\tkind\tmembers\tmessages\n");
    for row in rows {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            row.try_get::<String, _>("name")?,
            row.try_get::<String, _>("kind")?,
            row.try_get::<i64, _>("members")?,
            row.try_get::<i64, _>("messages")?,
        ));
    }
    Ok(out)
}

/// Make an account (with a random password nobody knows) and a link for its owner to set
/// theirs.
pub async fn create_user(
    store: &Store,
    username: &str,
    name: Option<&str>,
    base: &str,
) -> anyhow::Result<String> {
    let username =
        crate::accounts::normalize_username(username).map_err(|error| anyhow::anyhow!("{error}"))?;
    let name = match name {
        Some(name) => crate::protocol::validate_name(name).map_err(|error| anyhow::anyhow!("{error}"))?,
        None => &username,
    };
    let unknown = passwords::hash(new_secret()).await?;
    let user = store.create_user(&username, &unknown, name).await?;
    tracing::info!(target: "banter::admin", user = %user.id, %username, "account made");
    let token = store.create_reset(user.id).await?;
    Ok(format!(
        "made {username}; their link to set a password (valid {} h, once):\n{}\n",
        RESET_VALID_MS / 3_600_000,
        password_resets::reset_link(base, &token)
    ))
}

/// A password reset link for `username`.
pub async fn reset_link(store: &Store, username: &str, base: &str) -> anyhow::Result<String> {
    let username =
        crate::accounts::normalize_username(username).map_err(|error| anyhow::anyhow!("{error}"))?;
    let user = store
        .user_by_username(&username)
        .await?
        .with_context(|| format!("there is no account {username}"))?;
    anyhow::ensure!(!user.bot, "{username} is a bot: it signs in with a token, not a password");
    let token = store.create_reset(user.id).await?;
    tracing::info!(target: "banter::admin", user = %user.id, %username, "password reset link made");
    Ok(format!("{}\n", password_resets::reset_link(base, &token)))
}

/// Make `username` an administrator, or not.
pub async fn set_admin(store: &Store, username: &str, admin: bool) -> anyhow::Result<String> {
    let username =
        crate::accounts::normalize_username(username).map_err(|error| anyhow::anyhow!("{error}"))?;
    anyhow::ensure!(
        store.set_admin(&username, admin).await?,
        "there is no account {username} (bots cannot be administrators)"
    );
    tracing::info!(target: "banter::admin", %username, admin, "administrator changed");
    Ok(format!("{username} is {} administrator\n", if admin { "an" } else { "no longer an" }))
}

/// How long `room` keeps its history: `days` is a number of days, `forever` or `default`.
pub async fn set_retention(store: &Store, room: &str, days: &str) -> anyhow::Result<String> {
    use crate::server::messages::retention::RoomRetention;
    let retention = match days.trim() {
        "default" => RoomRetention::ServerDefault,
        "forever" => RoomRetention::Forever,
        number => match number.parse::<u32>() {
            Ok(0) | Err(_) => {
                anyhow::bail!("say a number of days (1 or more), `forever` or `default`, not {number:?}")
            }
            Ok(days) => RoomRetention::Days(days),
        },
    };
    anyhow::ensure!(store.set_room_retention(room.trim(), retention).await?, "there is no room {room}");
    tracing::info!(target: "banter::admin", %room, ?retention, "room retention changed");
    let kept = match retention {
        RoomRetention::ServerDefault => "as long as the server's --retention-days says".to_owned(),
        RoomRetention::Forever => "for ever".to_owned(),
        RoomRetention::Days(days) => format!("for {days} days"),
    };
    Ok(format!("{room} keeps its history {kept}\n"))
}

/// Deactivate `username` (their sessions end, their sockets close within a second on every
/// node), or reactivate them.
pub async fn set_deactivated(store: &Store, username: &str, deactivated: bool) -> anyhow::Result<String> {
    let username =
        crate::accounts::normalize_username(username).map_err(|error| anyhow::anyhow!("{error}"))?;
    anyhow::ensure!(store.set_deactivated(&username, deactivated).await?, "there is no account {username}");
    tracing::info!(target: "banter::admin", %username, deactivated, "account standing changed");
    Ok(format!(
        "{username} is {}\n",
        if deactivated { "deactivated: signed out everywhere" } else { "active again" }
    ))
}
