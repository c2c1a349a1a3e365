//! Every limit that belongs to a person rather than to one connection: what they may send,
//! however many sockets, tabs and devices they spread it over; and, before there is a person,
//! what one address may do.
//!
//! The message rate (`--rate`, `--burst`; a bot's `--bot-rate`, `--bot-burst`), the join rate (`--hello-rate`, `--hello-burst`) and
//! sign-ups per address (`--signups-per-hour`) come from the command line, so a benchmark can
//! lift them; the rest are named here. The README lists them all.

use crate::ids::UserId;
use std::net::IpAddr;

use crate::server::config::Config;
use crate::server::limits::rate_limit::Keyed;

/// `typing` frames one person may have relayed per second, over all their sockets (and at
/// most one per second per socket, `crate::typing::TYPING_RELAY_EVERY_MS`). More are dropped.
pub const TYPING_PER_SECOND: f64 = 1.0;
pub const TYPING_BURST: u32 = 3;
/// Rooms created and conversations opened by one person: a burst, then one a minute.
pub const ROOMS_PER_MINUTE: f64 = 1.0;
pub const ROOM_BURST: u32 = 10;

/// Uploads one person may start: a burst (an album from a phone), then one every 2 seconds.
pub const UPLOADS_PER_MINUTE: f64 = 30.0;
pub const UPLOAD_BURST: u32 = 30;
/// Uploads one person may have waiting to be sent; more are refused until some are sent or
/// swept (`--upload-ttl`).
pub const MAX_UNSENT_UPLOADS: i64 = 50;

/// Searches one person may run: a burst (refining a search), then one a second. Each is a
/// read on the shared store; more get a "slow down" answer.
pub const SEARCHES_PER_MINUTE: f64 = 60.0;
pub const SEARCH_BURST: u32 = 20;

/// Draft saves one person may make: a page saves at most every
/// [`DRAFT_SAVE_EVERY_MS`](crate::model::DRAFT_SAVE_EVERY_MS) while typing, so a burst for
/// several tabs and devices, then one a second. More are refused (the page tries again later).
pub const DRAFTS_PER_MINUTE: f64 = 60.0;
pub const DRAFT_BURST: u32 = 20;

/// Verification links one person may have mailed: a few tries at typing the address, then
/// one every 12 minutes.
pub const VERIFICATION_MAILS_PER_HOUR: f64 = 5.0;
pub const VERIFICATION_MAIL_BURST: u32 = 5;
/// "Forgot password?" emails per account, and per email address, whoever asks: a person who
/// lost one, then one every 20 minutes, so nobody can fill an inbox with them.
pub const RESET_MAILS_PER_HOUR: f64 = 3.0;
pub const RESET_MAIL_BURST: u32 = 3;
/// "Forgot password?" requests from one network address, answered or not.
pub const RESET_REQUESTS_PER_HOUR: f64 = 10.0;
pub const RESET_REQUEST_BURST: u32 = 10;
/// Sign-ins started through the identity provider, per network address: each keeps a pending
/// sign-in in the database for ten minutes.
pub const SSO_STARTS_PER_MINUTE: f64 = 20.0;
pub const SSO_START_BURST: u32 = 20;
/// Passkey ceremonies begun (sign-ins and registrations), per network address.
pub const PASSKEY_STARTS_PER_MINUTE: f64 = 20.0;
pub const PASSKEY_START_BURST: u32 = 20;
/// Messages one person may report an hour (each lands in a moderator's queue).
pub const REPORTS_PER_HOUR: f64 = 20.0;
pub const REPORT_BURST: u32 = 10;

/// One limiter per kind of action, keyed by account id (or address for sign-up).
#[derive(Debug, Clone)]
pub struct PersonLimits {
    /// Messages, over WebSocket and the plain form post together.
    pub messages: Keyed<UserId>,
    /// A bot's messages, whichever way they come: each bot its own allowance.
    pub bot_messages: Keyed<UserId>,
    pub typing: Keyed<UserId>,
    pub hellos: Keyed<UserId>,
    /// Creating rooms and opening conversations.
    pub rooms: Keyed<UserId>,
    pub signups: Keyed<IpAddr>,
    pub uploads: Keyed<UserId>,
    pub searches: Keyed<UserId>,
    /// Saving what one has typed and not sent.
    pub drafts: Keyed<UserId>,
    /// Links mailed to verify an address, per account.
    pub verification_mails: Keyed<UserId>,
    /// Reset links mailed, per account and per email address.
    pub reset_mails: Keyed<UserId>,
    pub reset_mails_to: Keyed<String>,
    /// "Forgot password?" requests, per network address.
    pub reset_requests: Keyed<IpAddr>,
    /// Sign-ins started through the identity provider, per network address.
    pub sso_starts: Keyed<IpAddr>,
    /// Passkey ceremonies begun, per network address.
    pub passkey_starts: Keyed<IpAddr>,
    /// Messages reported to moderators, per person.
    pub reports: Keyed<UserId>,
}

impl PersonLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            messages: Keyed::new("messages", config.rate, config.burst).leased(),
            bot_messages: Keyed::new("bot_messages", config.bot_rate, config.bot_burst).leased(),
            typing: Keyed::new("typing", TYPING_PER_SECOND, TYPING_BURST),
            hellos: Keyed::new("hellos", config.hello_rate, config.hello_burst),
            rooms: Keyed::new("rooms", ROOMS_PER_MINUTE / 60.0, ROOM_BURST),
            signups: Keyed::new(
                "signups",
                f64::from(config.signups_per_hour) / 3600.0,
                config.signups_per_hour,
            ),
            uploads: Keyed::new("uploads", UPLOADS_PER_MINUTE / 60.0, UPLOAD_BURST),
            searches: Keyed::new("searches", SEARCHES_PER_MINUTE / 60.0, SEARCH_BURST),
            drafts: Keyed::new("drafts", DRAFTS_PER_MINUTE / 60.0, DRAFT_BURST),
            verification_mails: Keyed::new(
                "verification_mails",
                VERIFICATION_MAILS_PER_HOUR / 3600.0,
                VERIFICATION_MAIL_BURST,
            ),
            reset_mails: Keyed::new("reset_mails", RESET_MAILS_PER_HOUR / 3600.0, RESET_MAIL_BURST),
            reset_mails_to: Keyed::new("reset_mails_to", RESET_MAILS_PER_HOUR / 3600.0, RESET_MAIL_BURST),
            reset_requests: Keyed::new(
                "reset_requests",
                RESET_REQUESTS_PER_HOUR / 3600.0,
                RESET_REQUEST_BURST,
            ),
            sso_starts: Keyed::new("sso_starts", SSO_STARTS_PER_MINUTE / 60.0, SSO_START_BURST),
            passkey_starts: Keyed::new(
                "passkey_starts",
                PASSKEY_STARTS_PER_MINUTE / 60.0,
                PASSKEY_START_BURST,
            ),
            reports: Keyed::new("reports", REPORTS_PER_HOUR / 3600.0, REPORT_BURST),
        }
    }
}
