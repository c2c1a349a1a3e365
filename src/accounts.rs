//! Account rules both sides enforce: what a username and a password may be.
//!
//! Shared so the sign-up form can say what is wrong before it posts, while the server stays
//! the judge (it runs the same checks on everything it receives).

/// Shortest username, in characters.
pub const MIN_USERNAME_CHARS: usize = 2;
/// Longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 32;
/// Shortest password, in characters (NIST SP 800-63B's floor).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password, in bytes: bounds the work one sign-in attempt can ask of the hasher.
pub const MAX_PASSWORD_BYTES: usize = 1_024;
/// How long sign-in stays refused after too many failures, in minutes.
pub const SIGNIN_LOCKOUT_MINUTES: u64 = 15;
/// Where a sign-in through the identity provider starts (single sign-on).
pub const SSO_START_PATH: &str = "/auth/oidc/start";
/// Passkeys one person may keep (phones, laptops, security keys).
pub const MAX_PASSKEYS_PER_PERSON: usize = 10;
/// A passkey's name ("Work laptop"), in characters.
pub const MAX_PASSKEY_NAME_CHARS: usize = 60;
/// Where the passkey ceremonies' JSON endpoints live (`docs/protocol.md`).
pub const PASSKEY_REGISTER_START_PATH: &str = "/auth/passkeys/register/start";
pub const PASSKEY_REGISTER_FINISH_PATH: &str = "/auth/passkeys/register/finish";
pub const PASSKEY_SIGN_IN_START_PATH: &str = "/auth/passkeys/sign-in/start";
pub const PASSKEY_SIGN_IN_FINISH_PATH: &str = "/auth/passkeys/sign-in/finish";
/// Longest profile status line, in characters.
pub const MAX_STATUS_CHARS: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "a username is {MIN_USERNAME_CHARS}–{MAX_USERNAME_CHARS} characters: letters a–z, digits, \
         '.', '_' or '-'"
    )]
    InvalidUsername,
    #[error(
        "a password is at least {MIN_PASSWORD_CHARS} characters (and at most {MAX_PASSWORD_BYTES} bytes)"
    )]
    InvalidPassword,
    #[error("a status is at most {MAX_STATUS_CHARS} characters on one line")]
    InvalidStatus,
}

/// A valid username, lower-cased: usernames are unique regardless of case.
pub fn normalize_username(username: &str) -> Result<String, AccountError> {
    let username = username.trim();
    let chars = username.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if (MIN_USERNAME_CHARS..=MAX_USERNAME_CHARS).contains(&chars) && username.chars().all(allowed) {
        Ok(username.to_ascii_lowercase())
    } else {
        Err(AccountError::InvalidUsername)
    }
}

/// Passwords are taken as typed (no trimming): spaces are allowed characters.
pub fn validate_password(password: &str) -> Result<&str, AccountError> {
    if password.chars().count() >= MIN_PASSWORD_CHARS && password.len() <= MAX_PASSWORD_BYTES {
        Ok(password)
    } else {
        Err(AccountError::InvalidPassword)
    }
}

/// A status line, trimmed; empty clears it.
pub fn validate_status(status: &str) -> Result<&str, AccountError> {
    let status = status.trim();
    if status.chars().count() <= MAX_STATUS_CHARS && !status.chars().any(char::is_control) {
        Ok(status)
    } else {
        Err(AccountError::InvalidStatus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_lower_cased_and_limited() {
        assert_eq!(normalize_username("  Alice_1 "), Ok("alice_1".to_owned()));
        assert_eq!(normalize_username("a"), Err(AccountError::InvalidUsername));
        assert_eq!(
            normalize_username(&"a".repeat(MAX_USERNAME_CHARS)).map(|u| u.len()),
            Ok(MAX_USERNAME_CHARS)
        );
        assert_eq!(
            normalize_username(&"a".repeat(MAX_USERNAME_CHARS + 1)),
            Err(AccountError::InvalidUsername)
        );
        assert_eq!(normalize_username("al ice"), Err(AccountError::InvalidUsername));
        assert_eq!(normalize_username("<script>"), Err(AccountError::InvalidUsername));
        assert_eq!(normalize_username("élise"), Err(AccountError::InvalidUsername));
    }

    #[test]
    fn passwords_have_a_floor_and_a_ceiling() {
        assert!(validate_password("1234567").is_err());
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password(" spaces  count ").is_ok());
        assert!(validate_password(&"p".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
    }

    #[test]
    fn a_status_is_one_short_line() {
        assert_eq!(validate_status("  at lunch "), Ok("at lunch"));
        assert_eq!(validate_status(""), Ok(""));
        assert!(validate_status("a\nb").is_err());
        assert!(validate_status(&"s".repeat(MAX_STATUS_CHARS + 1)).is_err());
    }
}
