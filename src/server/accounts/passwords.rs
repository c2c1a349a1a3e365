//! Password hashing with argon2id.
//!
//! Why argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane): it is OWASP's current
//! recommendation, memory-hard against GPU guessing, and the PHC string it produces records
//! its own parameters, so they can be raised later without breaking old hashes.
//!
//! Hashing takes tens of milliseconds of one core and 19 MiB on purpose, so it runs on one
//! dedicated thread, never on a thread that serves connections, one hash at a time. One
//! thread keeps the memory bounded too: the allocator keeps a freed 19 MiB block for reuse
//! per thread that used it, so hashing on tokio's blocking pool (hundreds of threads) let the
//! server's RSS grow with every new thread that ever hashed. At most [`HASH_QUEUE`] requests
//! wait; past that a sign-in is refused as busy rather than queued without bound.

use std::sync::OnceLock;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("too many sign-ins at once; try again")]
    Busy,
    #[error("the hashing thread is gone")]
    Gone,
}

/// Hash requests that may wait for the hashing thread.
pub const HASH_QUEUE: usize = 64;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing thread's queue, started on first use.
fn hasher() -> &'static SyncSender<Job> {
    static HASHER: OnceLock<SyncSender<Job>> = OnceLock::new();
    HASHER.get_or_init(|| {
        let (jobs, queue) = sync_channel::<Job>(HASH_QUEUE);
        let spawned = std::thread::Builder::new().name("password-hasher".into()).spawn(move || {
            for job in queue {
                job();
            }
        });
        if let Err(error) = spawned {
            // Without the thread every job's reply is dropped, and callers get `Gone`.
            tracing::error!(%error, "cannot start the password hashing thread");
        }
        jobs
    })
}

/// Run `work` on the hashing thread and wait for its answer.
async fn on_hasher<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, PasswordError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _caller_gone = reply.send(work());
    });
    match hasher().try_send(job) {
        Ok(()) => answer.await.map_err(|_| PasswordError::Gone),
        Err(TrySendError::Full(_)) => Err(PasswordError::Busy),
        Err(TrySendError::Disconnected(_)) => Err(PasswordError::Gone),
    }
}

/// What `users.password_hash` holds for an account that has no password: not a PHC string,
/// so nothing verifies against it.
pub const NO_PASSWORD: &str = "!";

/// A hash of a password nobody has, verified against when the username is unknown, so a
/// wrong username takes as long to refuse as a wrong password (no user enumeration by timing).
const DECOY_PASSWORD: &str = "banter decoy password, never a real one";

/// The decoy's hash, made once: an unknown username then costs one verification, exactly
/// like a known one (hashing it afresh each time would make it cost two).
fn decoy_hash() -> Result<&'static str, PasswordError> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return Ok(hash);
    }
    let hash = hash_now(DECOY_PASSWORD)?;
    Ok(DECOY.get_or_init(|| hash))
}

/// The PHC string (`$argon2id$v=19$m=…`) for `password`, with a fresh random salt.
pub async fn hash(password: String) -> Result<String, PasswordError> {
    on_hasher(move || hash_now(&password)).await?
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
    on_hasher(move || {
        // An account without a password (made by single sign-on, or a bot) is checked like an
        // unknown one: the same work, and no match.
        let stored = stored.filter(|stored| stored != NO_PASSWORD);
        let real = stored.is_some();
        let stored = match &stored {
            Some(stored) => stored.as_str(),
            None => decoy_hash()?,
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
