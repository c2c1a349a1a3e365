//! Which account an identity provider's person is. An identity is found by the provider's
//! issuer and subject only — never by a username, a display name or an email address, which a
//! provider may let people change or reuse. The first sign-in makes the account: a free
//! username derived from the provider's `preferred_username` (see [`username_candidates`]),
//! the display name from its `name`, and no password (sign-in through the provider only).

use crate::ids::UserId;
use sqlx::Row;

use super::provider::Identity;
use crate::accounts::{MAX_USERNAME_CHARS, MIN_USERNAME_CHARS, normalize_username};
use crate::model::now_ms;
use crate::server::accounts::passwords::NO_PASSWORD;
use crate::server::accounts::users::{USER_COLUMNS, User, UserError, user_from_row};
use crate::server::storage::store::Store;

/// How many derived usernames are tried (`ann`, `ann-2`, … ) before a random suffix.
pub const USERNAME_TRIES: usize = 20;

/// The account a provider's identity signs in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// An account that existed already.
    Existing(User),
    /// An account made just now, by this first sign-in.
    Created(User),
    /// The identity's account, deactivated by an administrator.
    Deactivated,
}

/// Usernames to try for a new account, best first: the provider's `preferred_username` (the
/// part before `@` of an address), made to fit the username rules, then with `-2`, `-3`, …
pub fn username_candidates(identity: &Identity) -> Vec<String> {
    let wanted = identity.preferred_username.as_deref().or(identity.name.as_deref()).unwrap_or("");
    let wanted = wanted.split('@').next().unwrap_or("");
    let mut base: String = wanted
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' })
        .collect();
    base = base.trim_matches(|c| matches!(c, '-' | '.')).to_ascii_lowercase();
    if base.chars().count() < MIN_USERNAME_CHARS {
        base = "user".to_owned();
    }
    // Room for a `-20` suffix.
    base.truncate(MAX_USERNAME_CHARS - 3);
    let base = base.trim_end_matches(['-', '.']).to_owned();
    let mut candidates = vec![base.clone()];
    candidates.extend((2..=USERNAME_TRIES).map(|n| format!("{base}-{n}")));
    candidates.retain(|name| normalize_username(name).as_deref() == Ok(name.as_str()));
    candidates
}

impl Store {
    /// The account `identity` signs in to, made on its first sign-in.
    pub async fn account_for_identity(&self, identity: &Identity) -> Result<Found, UserError> {
        // Twice at most: a first sign-in of the same person on another node at the same moment
        // may link the identity first; then it is found the second time.
        for _ in 0..2 {
            if let Some(found) = self.linked_account(identity).await? {
                return Ok(found);
            }
            if let Some(user) = self.create_linked_account(identity).await? {
                return Ok(Found::Created(user));
            }
        }
        Err(UserError::UsernameTaken)
    }

    async fn linked_account(&self, identity: &Identity) -> Result<Option<Found>, UserError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, CASE WHEN u.deactivated_at IS NULL THEN 0 ELSE 1 END AS deactivated
             FROM sso_identities i JOIN users u ON u.id = i.user_id
             WHERE i.issuer = $1 AND i.subject = $2"
        ))
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("deactivated")? != 0 {
            return Ok(Some(Found::Deactivated));
        }
        Ok(Some(Found::Existing(user_from_row(&row)?)))
    }

    /// A new account linked to `identity`, under the first free candidate username; `None`
    /// if the identity was linked meanwhile.
    async fn create_linked_account(&self, identity: &Identity) -> Result<Option<User>, UserError> {
        let display_name = display_name(identity);
        let random = format!("user-{}", &crate::server::accounts::users::new_secret()[..8]);
        for username in username_candidates(identity).into_iter().chain([random]) {
            let now = now_ms();
            if self.username_retired(&username, now).await? {
                continue;
            }
            let mut tx = self.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO users (username, password_hash, display_name, created_at) VALUES ($1, $2, $3, $4)
                 RETURNING id",
            )
            .bind(&username)
            .bind(NO_PASSWORD)
            .bind(&display_name)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            let id: UserId = match inserted {
                Ok(row) => row.try_get("id")?,
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => continue,
                Err(error) => return Err(error.into()),
            };
            let linked = sqlx::query(
                "INSERT INTO sso_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await;
            match linked {
                Ok(_) => {}
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Ok(None),
                Err(error) => return Err(error.into()),
            }
            tx.commit().await?;
            return Ok(Some(User {
                id,
                username: username.into(),
                display_name,
                status: String::new(),
                read_receipts: true,
                bot: false,
            }));
        }
        Err(UserError::UsernameTaken)
    }

    /// Whether the account signs in through the identity provider (and has no password).
    pub async fn signs_in_with_provider(&self, user_id: UserId) -> Result<bool, UserError> {
        let linked: Option<i64> =
            sqlx::query_scalar("SELECT user_id FROM sso_identities WHERE user_id = $1 LIMIT 1")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(linked.is_some())
    }
}

/// The display name for a new account: the provider's `name`, fitted to the display name
/// rules, or the username it asked for.
fn display_name(identity: &Identity) -> String {
    let name: String = identity
        .name
        .as_deref()
        .or(identity.preferred_username.as_deref())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(crate::protocol::MAX_NAME_CHARS)
        .collect();
    let name = name.trim();
    if name.is_empty() { "New member".to_owned() } else { name.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(preferred: Option<&str>, name: Option<&str>) -> Identity {
        Identity {
            issuer: "https://id.example".to_owned(),
            subject: "248289761001".to_owned(),
            preferred_username: preferred.map(str::to_owned),
            name: name.map(str::to_owned),
        }
    }

    #[test]
    fn a_username_is_derived_from_what_the_provider_prefers() {
        let candidates = username_candidates(&identity(Some("Jane.Doe@corp.example"), None));
        assert_eq!(&candidates[..3], ["jane.doe", "jane.doe-2", "jane.doe-3"]);
        assert_eq!(candidates.len(), USERNAME_TRIES);
        assert_eq!(username_candidates(&identity(Some("Zoë Ñ!"), None))[0], "zo");
    }

    #[test]
    fn a_name_that_fits_no_rule_still_makes_a_valid_username() {
        for wanted in [Some(""), Some("@"), Some("😀"), None, Some(&"x".repeat(200) as &str)] {
            for candidate in username_candidates(&identity(wanted, None)) {
                assert_eq!(normalize_username(&candidate).as_deref(), Ok(candidate.as_str()), "{wanted:?}");
            }
        }
        assert_eq!(username_candidates(&identity(None, Some("Ann Lee")))[0], "ann-lee");
        assert_eq!(username_candidates(&identity(None, None))[0], "user");
    }
}
