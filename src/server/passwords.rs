//! Password hashing with argon2id.
//!
//! Why argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane): it is OWASP's current
//! recommendation, memory-hard against GPU guessing, and the PHC string it produces records
//! its own parameters, so they can be raised later without breaking old hashes.
//!
//! Hashing takes tens of milliseconds of one core on purpose, so it runs on tokio's blocking
//! pool, never on a thread that serves connections.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("the hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A hash of a password nobody has, verified against when the username is unknown, so a
/// wrong username takes as long to refuse as a wrong password (no user enumeration by timing).
const DECOY_PASSWORD: &str = "banter decoy password, never a real one";

/// The PHC string (`$argon2id$v=19$m=…`) for `password`, with a fresh random salt.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordError::Hash(error.to_string()))
}

/// Whether `password` matches `stored` (a PHC string). With `stored` absent (no such user),
/// does the same work against a decoy and answers `false`.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let decoy;
        let stored = match &stored {
            Some(stored) => stored.as_str(),
            None => {
                decoy = hash_now(DECOY_PASSWORD)?;
                decoy.as_str()
            }
        };
        let Ok(parsed) = PasswordHash::new(stored) else {
            tracing::error!("a stored password hash does not parse; refusing the sign-in");
            return Ok(false);
        };
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(matches && real)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse".to_owned()).await.expect("hashes");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse".to_owned(), Some(stored.clone())).await.expect("verifies"));
        assert!(!verify("wrong horse".to_owned(), Some(stored)).await.expect("verifies"));
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash("same password".to_owned()).await.expect("hashes");
        let b = hash("same password".to_owned()).await.expect("hashes");
        assert_ne!(a, b, "each hash has its own salt");
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify(DECOY_PASSWORD.to_owned(), None).await.expect("verifies"));
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_refuses_rather_than_fails() {
        assert!(!verify("anything".to_owned(), Some("not a hash".to_owned())).await.expect("verifies"));
    }
}
