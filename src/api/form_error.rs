//! Why a form came back, in the two shapes a caller can read.
//!
//! A plain form post (a browser without JavaScript, or before the wasm loads) can only be
//! sent back to a page: it gets a redirect with `?error=<code>`, and the page turns the code
//! into a sentence (never showing the query as it came). A script — the page's own calls and
//! bots — gets the same refusal as an [`ApiError`] with a 4xx status. One enum for both, so
//! the sentence a person reads is the same either way.

use serde::{Deserialize, Serialize};

use crate::api_error::{ApiCode, ApiError};

/// A refusal a form endpoint can answer with. `?error=<code>` in a redirect's query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormError {
    /// Sign-in: no such username, or the wrong password (deliberately not told apart).
    WrongPassword,
    /// Sign-in: too many failures for this username or from this address.
    Throttled,
    InvalidUsername,
    InvalidPassword,
    UsernameTaken,
    InvalidName,
    InvalidStatus,
    /// Sign-up: too many accounts made from this address lately.
    TooManySignups,
    InvalidRoomName,
    RoomNameTaken,
    /// Rooms made and conversations opened: over the person's allowance.
    TooManyRooms,
    /// No account has that username.
    NoSuchPerson,
    /// Signed in, but not allowed this in this room.
    NotAllowed,
    /// A person keeps at most `MAX_BOTS_PER_PERSON` bots.
    TooManyBots,
    /// A room keeps at most `MAX_HOOKS_PER_ROOM` webhooks.
    TooManyHooks,
    /// A room keeps at most so many commands and outgoing webhooks.
    TooManyIntegrations,
    /// A handler URL that is not https, or one the server does not call (an internal address).
    InvalidHandlerUrl,
    InvalidCommandName,
    /// A room's command (or a built-in one) has that name.
    CommandNameTaken,
    InvalidTriggers,
    /// A password reset link that is unknown, used or expired.
    InvalidResetLink,
    /// Not an email address.
    InvalidEmail,
    /// The server sends no email (no SMTP configured).
    MailOff,
    /// Too many emails asked for lately (verification links, reset links).
    TooManyMails,
    /// An email link (verification, unsubscribe) that is unknown, used or expired.
    InvalidEmailLink,
    /// Single sign-on: the identity provider cannot be reached.
    SsoUnavailable,
    /// Single sign-on: the provider refused, or what it sent back did not check out.
    SsoFailed,
    /// Single sign-on: the sign-in is unknown here, used, too old, or from another browser.
    SsoExpired,
    /// Single sign-on: too many sign-ins started from this address lately.
    SsoThrottled,
    /// The account was deactivated by an administrator.
    Deactivated,
    /// The server takes no passwords (`--password-sign-in off`): single sign-on only.
    PasswordSignInOff,
    /// A second factor's code that is not right, or was used already.
    WrongCode,
    /// The pending sign-in (password right, code not yet given) is unknown or too old.
    SignInExpired,
    /// The account has no password (single sign-on): its provider asks for factors.
    NoPassword,
    /// A report without a known reason, or with too long a note.
    InvalidReport,
    /// Too many reports filed lately.
    TooManyReports,
    /// A conversation that a block between the two people keeps from starting (said without
    /// saying who blocked whom).
    NotTakingMessages,
    /// Blocking oneself.
    BlockYourself,
    /// A person blocks at most `MAX_BLOCKS_PER_PERSON` people.
    TooManyBlocks,
    /// An export of theirs is still being made.
    ExportBusy,
    /// `EXPORTS_PER_DAY` asked for already.
    TooManyExports,
    // The passkey refusals come only from the passkey endpoints, whose JSON the pages' own
    // script reads (`public/passkeys.js`): the browser's bundle carries none of them.
    /// A passkey that did not check out, is not known here, or whose ceremony ran out.
    #[cfg(feature = "ssr")]
    PasskeyRefused,
    /// This server has no passkeys (no `--passkey-origin` with a host name).
    #[cfg(feature = "ssr")]
    PasskeysOff,
    /// A person keeps at most `MAX_PASSKEYS_PER_PERSON` passkeys.
    #[cfg(feature = "ssr")]
    TooManyPasskeys,
    /// The store failed; nothing changed.
    Unavailable,
}

const ALL: &[FormError] = &[
    FormError::WrongPassword,
    FormError::Throttled,
    FormError::InvalidUsername,
    FormError::InvalidPassword,
    FormError::UsernameTaken,
    FormError::InvalidName,
    FormError::InvalidStatus,
    FormError::TooManySignups,
    FormError::InvalidRoomName,
    FormError::RoomNameTaken,
    FormError::TooManyRooms,
    FormError::NoSuchPerson,
    FormError::NotAllowed,
    FormError::TooManyBots,
    FormError::TooManyHooks,
    FormError::TooManyIntegrations,
    FormError::InvalidHandlerUrl,
    FormError::InvalidCommandName,
    FormError::CommandNameTaken,
    FormError::InvalidTriggers,
    FormError::InvalidResetLink,
    FormError::InvalidEmail,
    FormError::MailOff,
    FormError::TooManyMails,
    FormError::InvalidEmailLink,
    FormError::SsoUnavailable,
    FormError::SsoFailed,
    FormError::SsoExpired,
    FormError::SsoThrottled,
    FormError::Deactivated,
    FormError::PasswordSignInOff,
    FormError::WrongCode,
    FormError::SignInExpired,
    FormError::NoPassword,
    FormError::InvalidReport,
    FormError::TooManyReports,
    FormError::NotTakingMessages,
    FormError::BlockYourself,
    FormError::TooManyBlocks,
    FormError::ExportBusy,
    FormError::TooManyExports,
    #[cfg(feature = "ssr")]
    FormError::PasskeyRefused,
    #[cfg(feature = "ssr")]
    FormError::PasskeysOff,
    #[cfg(feature = "ssr")]
    FormError::TooManyPasskeys,
    FormError::Unavailable,
];

impl FormError {
    pub fn code(self) -> &'static str {
        match self {
            FormError::WrongPassword => "wrong-password",
            FormError::Throttled => "throttled",
            FormError::InvalidUsername => "invalid-username",
            FormError::InvalidPassword => "invalid-password",
            FormError::UsernameTaken => "username-taken",
            FormError::InvalidName => "invalid-name",
            FormError::InvalidStatus => "invalid-status",
            FormError::TooManySignups => "too-many-signups",
            FormError::InvalidRoomName => "invalid-room-name",
            FormError::RoomNameTaken => "room-name-taken",
            FormError::TooManyRooms => "too-many-rooms",
            FormError::NoSuchPerson => "no-such-person",
            FormError::NotAllowed => "not-allowed",
            FormError::TooManyBots => "too-many-bots",
            FormError::TooManyHooks => "too-many-hooks",
            FormError::TooManyIntegrations => "too-many-integrations",
            FormError::InvalidHandlerUrl => "invalid-handler-url",
            FormError::InvalidCommandName => "invalid-command-name",
            FormError::CommandNameTaken => "command-name-taken",
            FormError::InvalidTriggers => "invalid-triggers",
            FormError::InvalidResetLink => "invalid-reset-link",
            FormError::InvalidEmail => "invalid-email",
            FormError::MailOff => "mail-off",
            FormError::TooManyMails => "too-many-mails",
            FormError::InvalidEmailLink => "invalid-email-link",
            FormError::SsoUnavailable => "sso-unavailable",
            FormError::SsoFailed => "sso-failed",
            FormError::SsoExpired => "sso-expired",
            FormError::SsoThrottled => "sso-throttled",
            FormError::Deactivated => "deactivated",
            FormError::PasswordSignInOff => "password-sign-in-off",
            FormError::WrongCode => "wrong-code",
            FormError::SignInExpired => "sign-in-expired",
            FormError::NoPassword => "no-password",
            FormError::InvalidReport => "invalid-report",
            FormError::TooManyReports => "too-many-reports",
            FormError::NotTakingMessages => "not-taking-messages",
            FormError::BlockYourself => "block-yourself",
            FormError::TooManyBlocks => "too-many-blocks",
            FormError::ExportBusy => "export-busy",
            FormError::TooManyExports => "too-many-exports",
            #[cfg(feature = "ssr")]
            FormError::PasskeyRefused => "passkey-refused",
            #[cfg(feature = "ssr")]
            FormError::PasskeysOff => "passkeys-off",
            #[cfg(feature = "ssr")]
            FormError::TooManyPasskeys => "too-many-passkeys",
            FormError::Unavailable => "unavailable",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        ALL.iter().copied().find(|e| e.code() == code)
    }

    /// What the person reads.
    pub fn message(self) -> String {
        use crate::accounts::AccountError;
        match self {
            FormError::WrongPassword => "Wrong username or password.".to_owned(),
            FormError::Throttled => format!(
                "Too many failed sign-ins. Wait {} minutes, then try again.",
                crate::accounts::SIGNIN_LOCKOUT_MINUTES
            ),
            FormError::InvalidUsername => capitalized(&AccountError::InvalidUsername.to_string()),
            FormError::InvalidPassword => capitalized(&AccountError::InvalidPassword.to_string()),
            FormError::UsernameTaken => "That username is taken; pick another.".to_owned(),
            FormError::InvalidName => {
                format!("A display name is 1–{} characters on one line.", crate::protocol::MAX_NAME_CHARS)
            }
            FormError::InvalidStatus => capitalized(&AccountError::InvalidStatus.to_string()),
            FormError::TooManySignups => {
                "Many accounts were made from your network just now. Try again in an hour.".to_owned()
            }
            FormError::InvalidRoomName => capitalized(&crate::rooms::RoomNameError::Invalid.to_string()),
            FormError::RoomNameTaken => "A room with that name exists.".to_owned(),
            FormError::TooManyRooms => {
                "You have made many rooms and conversations just now; wait a minute, then try again."
                    .to_owned()
            }
            FormError::NoSuchPerson => "There is nobody with that username.".to_owned(),
            FormError::NotAllowed => "You may not do that in this room.".to_owned(),
            FormError::TooManyBots => {
                format!(
                    "You have {} bots already; one of them could do this.",
                    crate::model::MAX_BOTS_PER_PERSON
                )
            }
            FormError::TooManyHooks => format!(
                "This room has {} webhooks already; revoke one first.",
                crate::model::MAX_HOOKS_PER_ROOM
            ),
            FormError::TooManyIntegrations => format!(
                "This room has {} commands or {} outgoing webhooks already; remove one first.",
                crate::model::MAX_COMMANDS_PER_ROOM,
                crate::model::MAX_OUTGOING_PER_ROOM
            ),
            FormError::InvalidHandlerUrl => {
                "The URL must be https, and not an address of the server's own network.".to_owned()
            }
            FormError::InvalidCommandName => format!(
                "A command's name is 1–{} letters, digits, - or _.",
                crate::commands::MAX_COMMAND_CHARS
            ),
            FormError::CommandNameTaken => "This room already has a command of that name.".to_owned(),
            FormError::InvalidTriggers => "Trigger words are one line of at most 200 characters.".to_owned(),
            FormError::InvalidResetLink => {
                "This link does not work any more (used, or too old); ask for a new one.".to_owned()
            }
            FormError::InvalidEmail => "That is not an email address (name@example.com).".to_owned(),
            FormError::MailOff => {
                "This server sends no email; an administrator can give you a link instead.".to_owned()
            }
            FormError::TooManyMails => {
                "Several emails were sent for this just now; wait an hour, then try again.".to_owned()
            }
            FormError::InvalidEmailLink => {
                "This link does not work (used, too old, or cut short); ask for a new one.".to_owned()
            }
            FormError::SsoUnavailable => {
                "The identity provider cannot be reached just now; try again in a minute.".to_owned()
            }
            FormError::SsoFailed => {
                "Signing in through the identity provider did not work; try again.".to_owned()
            }
            FormError::SsoExpired => {
                "That sign-in was started elsewhere, used already, or took too long; start again.".to_owned()
            }
            FormError::SsoThrottled => {
                "Many sign-ins were started from your network just now; wait a minute, then try again."
                    .to_owned()
            }
            FormError::Deactivated => {
                "This account has been deactivated; an administrator can tell you more.".to_owned()
            }
            FormError::PasswordSignInOff => {
                "This server takes no passwords: sign in through the identity provider.".to_owned()
            }
            FormError::WrongCode => {
                "That code is not right, or was used already; type the one your app shows now.".to_owned()
            }
            FormError::SignInExpired => "That sign-in took too long; sign in again.".to_owned(),
            FormError::NoPassword => {
                "You sign in through the identity provider, which asks for your second factor.".to_owned()
            }
            FormError::InvalidReport => format!(
                "Pick a reason; a note is at most {} characters.",
                crate::model::MAX_REPORT_NOTE_CHARS
            ),
            FormError::TooManyReports => {
                "You have reported several messages just now; wait an hour, then try again.".to_owned()
            }
            FormError::NotTakingMessages => "You cannot start a conversation with this person.".to_owned(),
            FormError::BlockYourself => "You cannot block yourself.".to_owned(),
            FormError::TooManyBlocks => format!(
                "You have blocked {} people already; unblock someone first.",
                crate::model::MAX_BLOCKS_PER_PERSON
            ),
            FormError::ExportBusy => "An archive of yours is being made; wait for it to finish.".to_owned(),
            FormError::TooManyExports => {
                "You have asked for three archives today; try again tomorrow.".to_owned()
            }
            #[cfg(feature = "ssr")]
            FormError::PasskeyRefused => {
                "That passkey was not accepted; try again, or sign in another way.".to_owned()
            }
            #[cfg(feature = "ssr")]
            FormError::PasskeysOff => "This server does not offer passkeys.".to_owned(),
            #[cfg(feature = "ssr")]
            FormError::TooManyPasskeys => format!(
                "You have {} passkeys already; remove one first.",
                crate::accounts::MAX_PASSKEYS_PER_PERSON
            ),
            FormError::Unavailable => "The server could not do that just now; try again.".to_owned(),
        }
    }

    /// The same refusal for a script: its code, status and (when waiting helps) how long.
    pub fn api_error(self) -> ApiError {
        let code = match self {
            FormError::WrongPassword | FormError::WrongCode => ApiCode::WrongPassword,
            #[cfg(feature = "ssr")]
            FormError::PasskeyRefused => ApiCode::WrongPassword,
            #[cfg(feature = "ssr")]
            FormError::PasskeysOff => ApiCode::NotAllowed,
            #[cfg(feature = "ssr")]
            FormError::TooManyPasskeys => ApiCode::LimitReached,
            FormError::SignInExpired => ApiCode::SignedOut,
            FormError::NoPassword => ApiCode::NotAllowed,
            FormError::Throttled | FormError::TooManySignups | FormError::TooManyRooms => {
                ApiCode::RateLimited
            }
            FormError::InvalidUsername
            | FormError::InvalidPassword
            | FormError::InvalidName
            | FormError::InvalidStatus
            | FormError::InvalidRoomName => ApiCode::InvalidField,
            FormError::UsernameTaken | FormError::RoomNameTaken => ApiCode::NameTaken,
            FormError::NoSuchPerson => ApiCode::NotFound,
            FormError::NotAllowed => ApiCode::NotAllowed,
            FormError::TooManyBots | FormError::TooManyHooks | FormError::TooManyIntegrations => {
                ApiCode::LimitReached
            }
            FormError::InvalidHandlerUrl | FormError::InvalidCommandName | FormError::InvalidTriggers => {
                ApiCode::InvalidField
            }
            FormError::CommandNameTaken => ApiCode::NameTaken,
            FormError::InvalidResetLink | FormError::InvalidEmailLink => ApiCode::NotFound,
            FormError::InvalidEmail => ApiCode::InvalidField,
            FormError::MailOff => ApiCode::NotAllowed,
            FormError::TooManyMails | FormError::SsoThrottled | FormError::TooManyReports => {
                ApiCode::RateLimited
            }
            FormError::InvalidReport | FormError::BlockYourself => ApiCode::InvalidField,
            FormError::NotTakingMessages => ApiCode::NotAllowed,
            FormError::TooManyBlocks => ApiCode::LimitReached,
            FormError::ExportBusy => ApiCode::LimitReached,
            FormError::TooManyExports => ApiCode::RateLimited,
            FormError::SsoFailed | FormError::SsoExpired => ApiCode::InvalidField,
            FormError::Deactivated | FormError::PasswordSignInOff => ApiCode::NotAllowed,
            FormError::Unavailable | FormError::SsoUnavailable => ApiCode::Unavailable,
        };
        let retry_after = match self {
            FormError::Throttled => Some(crate::accounts::SIGNIN_LOCKOUT_MINUTES * 60),
            FormError::TooManySignups => Some(60 * 60),
            FormError::TooManyRooms => Some(60),
            FormError::TooManyMails => Some(60 * 60),
            FormError::SsoThrottled => Some(60),
            FormError::TooManyReports => Some(60 * 60),
            FormError::TooManyExports => Some(24 * 60 * 60),
            _ => None,
        };
        ApiError { retry_after, ..ApiError::new(code, self.message()) }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => crate::text_case::uppercase(first.encode_utf8(&mut [0; 4])) + chars.as_str() + ".",
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_is_a_client_error() {
        for &error in ALL {
            assert_eq!(FormError::from_code(error.code()), Some(error));
            let status = error.api_error().code.status();
            let server_side = matches!(error, FormError::Unavailable | FormError::SsoUnavailable);
            assert!((400..500).contains(&status) || server_side, "{error:?}: {status}");
        }
    }
}
